/** One role per user. What each may see is decided by the access scope built from the role (see AccessScope). */
export enum Role {
  /** Manages sites, users and protocols; sees everything except participant contact details. */
  Admin = 'admin',
  /** Works at one or more sites; sees and changes the participants of those sites only. */
  Coordinator = 'coordinator',
  /** Belongs to a sponsor organisation; sees its own trials and only aggregate or consented data. */
  Sponsor = 'sponsor',
  /** Read-only on the clinical data of assigned sites, for source data verification. */
  Monitor = 'monitor',
}

export const ROLES = Object.values(Role);

/** Roles whose access is limited to the sites they are assigned to. */
export const SITE_BOUND_ROLES: readonly Role[] = [Role.Coordinator, Role.Monitor];
