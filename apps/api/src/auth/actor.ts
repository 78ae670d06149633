import { Role } from '@registry/domain';

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

/** Site-bound roles see only their own sites; admins see every site. Sponsors see no site-level records. */
export function siteFilterOf(actor: Actor): { all: true } | { all: false; siteIds: string[] } {
  if (actor.role === Role.Admin) return { all: true };
  if (actor.role === Role.Coordinator || actor.role === Role.Monitor)
    return { all: false, siteIds: actor.siteIds };
  return { all: false, siteIds: [] };
}
