import type { SiteRepository, Tx } from '@registry/persistence';
import type { Public } from './public';

export class FakeSiteRepository implements Public<SiteRepository> {
  /** Site id -> IANA time zone. */
  readonly timeZones = new Map<string, string>();
  /** Ids of sites (among those with a time zone) that were deactivated. */
  readonly inactive = new Set<string>();

  timeZoneOf(_tx: Tx, siteId: string): Promise<string> {
    const zone = this.timeZones.get(siteId);
    return zone ? Promise.resolve(zone) : Promise.reject(new Error(`no site ${siteId}`));
  }

  activeIdsAmong(_tx: Tx, siteIds: readonly string[]): Promise<string[]> {
    return Promise.resolve(siteIds.filter((id) => this.timeZones.has(id) && !this.inactive.has(id)));
  }
}
