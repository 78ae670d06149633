import type { DailyRescreenKey, SiteInTimeZone } from '@registry/domain';
import type { DailyRescreenRepository, Tx } from '@registry/persistence';
import { fakeId, Public } from './public';

/** Sites and the (site, day) rows of their daily re-screens, unique on (site, day) as the real table. */
export class FakeDailyRescreenRepository implements Public<DailyRescreenRepository> {
  readonly sites: (SiteInTimeZone & { active: boolean })[] = [];
  readonly started: (DailyRescreenKey & { id: string })[] = [];

  addSite(siteId: string, timeZone: string, active = true): void {
    this.sites.push({ siteId, timeZone, active });
  }

  activeSites(_tx: Tx): Promise<SiteInTimeZone[]> {
    return Promise.resolve(
      this.sites
        .filter((site) => site.active)
        .sort((a, b) => a.siteId.localeCompare(b.siteId))
        .map(({ siteId, timeZone }) => ({ siteId, timeZone })),
    );
  }

  startedAmong(_tx: Tx, keys: readonly DailyRescreenKey[]): Promise<DailyRescreenKey[]> {
    return Promise.resolve(
      this.started
        .filter((row) => keys.some((key) => key.siteId === row.siteId && key.forDate === row.forDate))
        .map(({ siteId, forDate }) => ({ siteId, forDate })),
    );
  }

  /** The `Tx` of each begin, in order. */
  readonly begunOn: Tx[] = [];

  begin(tx: Tx, { siteId, forDate }: DailyRescreenKey): Promise<{ id: string } | 'already_started'> {
    this.begunOn.push(tx);
    if (this.started.some((row) => row.siteId === siteId && row.forDate === forDate))
      return Promise.resolve('already_started');
    const id = fakeId();
    this.started.push({ id, siteId, forDate });
    return Promise.resolve({ id });
  }
}
