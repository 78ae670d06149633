import type { SiteRepository, Tx } from '@registry/persistence';
import type { Public } from './public';

export class FakeSiteRepository implements Public<SiteRepository> {
  /** Site id -> IANA time zone. */
  readonly timeZones = new Map<string, string>();

  timeZoneOf(_tx: Tx, siteId: string): Promise<string> {
    const zone = this.timeZones.get(siteId);
    return zone ? Promise.resolve(zone) : Promise.reject(new Error(`no site ${siteId}`));
  }
}
