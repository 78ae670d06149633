import type { Role } from '@registry/domain';

/** The authenticated caller, loaded from the database on every request (so deactivation and role changes bite at once). */
export interface Actor {
  userId: string;
  role: Role;
  email: string;
  displayName: string;
  /** Sites of a coordinator or monitor; empty for other roles. */
  siteIds: string[];
  sponsorOrganisationId: string | null;
  /** The session (refresh-token family) the access token belongs to. */
  sessionId: string;
}
