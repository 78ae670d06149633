import type { ClaimedSequence, NewSite, SiteEntity, SiteRepository, Tx } from '@registry/persistence';
import { fakeId, Public } from './public';

/** Fresh objects by code, as each query returns: a service that edits a result does not edit the stored row. */
const byCode = (sites: SiteEntity[]): SiteEntity[] =>
  sites.sort((a, b) => a.code.localeCompare(b.code)).map((site) => ({ ...site }));

export class FakeSiteRepository implements Public<SiteRepository> {
  /** Site id -> IANA time zone (a test that needs only "today at the site" sets just this). */
  readonly timeZones = new Map<string, string>();
  /** Whole sites, for the tests that list, create or change them; `add` also sets their time zone. */
  readonly rows = new Map<string, SiteEntity>();
  /** Ids read with `findForUpdate`, in order. */
  readonly locked: string[] = [];
  /** Ids of sites (among those with a time zone) that were deactivated. */
  readonly inactive = new Set<string>();

  timeZoneOf(_tx: Tx, siteId: string): Promise<string> {
    const zone = this.timeZones.get(siteId);
    return zone ? Promise.resolve(zone) : Promise.reject(new Error(`no site ${siteId}`));
  }

  listAll(_tx: Tx): Promise<SiteEntity[]> {
    return Promise.resolve(byCode([...this.rows.values()]));
  }

  listByIds(_tx: Tx, siteIds: string[]): Promise<SiteEntity[]> {
    return Promise.resolve(byCode([...this.rows.values()].filter((site) => siteIds.includes(site.id))));
  }

  listActive(_tx: Tx): Promise<SiteEntity[]> {
    return Promise.resolve(byCode([...this.rows.values()].filter((site) => site.active)));
  }

  insert(_tx: Tx, site: NewSite): Promise<SiteEntity | 'code_taken'> {
    if ([...this.rows.values()].some((existing) => existing.code === site.code))
      return Promise.resolve('code_taken');
    return Promise.resolve({ ...this.add(site) });
  }

  findForUpdate(_tx: Tx, siteId: string): Promise<SiteEntity | null> {
    this.locked.push(siteId);
    const site = this.rows.get(siteId);
    return Promise.resolve(site ? { ...site } : null);
  }

  save(_tx: Tx, site: SiteEntity): Promise<SiteEntity> {
    this.rows.set(site.id, { ...site });
    this.timeZones.set(site.id, site.timeZone);
    return Promise.resolve(site);
  }

  claimRegistrySequence(_tx: Tx, siteId: string): Promise<ClaimedSequence | null> {
    const site = this.rows.get(siteId);
    if (!site?.active) return Promise.resolve(null);
    site.lastRegistrySequence += 1;
    return Promise.resolve({ siteCode: site.code, sequence: site.lastRegistrySequence });
  }

  /** Stores an active site with plausible defaults for what the test does not care about. */
  add(fields: Partial<SiteEntity> & { code: string }): SiteEntity {
    const site: SiteEntity = {
      id: fakeId(),
      name: `Site ${fields.code}`,
      country: 'JP',
      timeZone: 'Asia/Tokyo',
      active: true,
      lastRegistrySequence: 0,
      createdAt: new Date('2026-01-01T00:00:00Z'),
      updatedAt: new Date('2026-01-01T00:00:00Z'),
      ...fields,
    };
    this.rows.set(site.id, site);
    this.timeZones.set(site.id, site.timeZone);
    return site;
  }

  activeIdsAmong(_tx: Tx, siteIds: readonly string[]): Promise<string[]> {
    return Promise.resolve(
      siteIds.filter(
        (id) => this.timeZones.has(id) && this.rows.get(id)?.active !== false && !this.inactive.has(id),
      ),
    );
  }
}
