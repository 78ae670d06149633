import { Role, SITE_BOUND_ROLES } from '@registry/domain';
import type { Actor } from './actor';

/**
 * Who may do what, in one place: the guard asks `mayCallRoute` for the role check of every route, and the
 * services ask `siteScopeOf` / `maySeeSite` / `mayWriteParticipantData` to scope their queries and lookups.
 */

/** Whether a caller of `role` may call a route that allows `allowedRoles`; a route naming none is open to none. */
export function mayCallRoute(role: Role, allowedRoles: readonly Role[] | undefined): boolean {
  return (allowedRoles ?? []).includes(role);
}

export type SiteScope = { all: true } | { all: false; siteIds: string[] };

/** Admins see every site; coordinators and monitors their own; anyone else (sponsors) no site-level records. */
export function siteScopeOf(actor: Actor): SiteScope {
  if (actor.role === Role.Admin) return { all: true };
  if (SITE_BOUND_ROLES.includes(actor.role)) return { all: false, siteIds: actor.siteIds };
  return { all: false, siteIds: [] };
}

/** Whether records of `siteId` (its participants, their flags, its audit rows) are visible to the caller. */
export function maySeeSite(actor: Actor, siteId: string): boolean {
  const scope = siteScopeOf(actor);
  return scope.all || scope.siteIds.includes(siteId);
}

/** Clinical data of a participant the caller can see is written by coordinators only (of that site). */
export function mayWriteParticipantData(actor: Actor, siteId: string): boolean {
  return actor.role === Role.Coordinator && maySeeSite(actor, siteId);
}
