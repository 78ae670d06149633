import {
  admin,
  coordinatorAt,
  FakeAuditRepository,
  FakeSiteRepository,
  FakeTransactions,
  monitorAt,
  refusal,
  sponsorOf,
} from '../../../../test/fakes';
import { SitesService } from './sites.service';

function setUp() {
  const sites = new FakeSiteRepository();
  const audit = new FakeAuditRepository();
  const service = new SitesService(new FakeTransactions(), sites, audit);
  const tokyo = sites.add({ code: 'TKY', name: 'Tokyo Memory Clinic', timeZone: 'Asia/Tokyo' });
  const boston = sites.add({ code: 'BOS', name: 'Boston Memory Center', timeZone: 'America/New_York' });
  const closed = sites.add({ code: 'OSA', active: false });
  return { service, sites, audit, tokyo, boston, closed };
}

describe('SitesService', () => {
  describe('who sees which sites', () => {
    it('shows an admin every site, inactive ones too, by code', async () => {
      const { service } = setUp();
      expect((await service.list(admin())).map((site) => site.code)).toEqual(['BOS', 'OSA', 'TKY']);
    });

    it('shows a sponsor every active site, from which it picks the participating ones', async () => {
      const { service } = setUp();
      expect((await service.list(sponsorOf('org-1'))).map((site) => site.code)).toEqual(['BOS', 'TKY']);
    });

    it('shows coordinators and monitors their own sites only', async () => {
      const { service, tokyo, boston } = setUp();
      expect(await service.list(coordinatorAt(tokyo.id))).toEqual([expect.objectContaining({ code: 'TKY' })]);
      expect((await service.list(monitorAt(boston.id, tokyo.id))).map((site) => site.code)).toEqual([
        'BOS',
        'TKY',
      ]);
    });

    it('answers not found for a site the caller may not see, so that its existence is not revealed', async () => {
      const { service, tokyo, boston } = setUp();
      await expect(service.get(coordinatorAt(tokyo.id), tokyo.id)).resolves.toMatchObject({ code: 'TKY' });
      expect((await refusal(service.get(coordinatorAt(tokyo.id), boston.id))).code).toBe('not_found');
    });
  });

  describe('creating a site', () => {
    it('stores it active and audits every field it was created with', async () => {
      const { service, sites, audit } = setUp();
      const site = await service.create({
        code: 'LYO',
        name: 'Lyon Memory Centre',
        country: 'FR',
        timeZone: 'Europe/Paris',
      });
      expect(sites.rows.get(site.id)).toMatchObject({ code: 'LYO', active: true });
      expect(audit.only('site.created')).toMatchObject({
        entityType: 'site',
        entityId: site.id,
        siteId: site.id,
        changes: [
          { field: 'code', old: null, new: 'LYO' },
          { field: 'name', old: null, new: 'Lyon Memory Centre' },
          { field: 'country', old: null, new: 'FR' },
          { field: 'timeZone', old: null, new: 'Europe/Paris' },
          { field: 'active', old: null, new: true },
        ],
      });
    });

    it('refuses a code another site has with 409 naming code, auditing nothing', async () => {
      const { service, sites, audit } = setUp();
      const error = await refusal(
        service.create({ code: 'TKY', name: 'Second Tokyo', country: 'JP', timeZone: 'Asia/Tokyo' }),
      );
      expect(error.code).toBe('site.code_taken');
      expect(error.details).toEqual([expect.objectContaining({ field: 'code', constraint: 'unique' })]);
      expect(sites.rows.size).toBe(3);
      expect(audit.entries).toEqual([]);
    });
  });

  describe('changing a site', () => {
    it('locks it, stores the change and audits the old and new values with the reason', async () => {
      const { service, sites, audit, tokyo } = setUp();
      const updated = await service.update(tokyo.id, {
        timeZone: 'Asia/Seoul',
        active: false,
        reason: 'Moved to the Seoul campus',
      });
      expect(updated).toMatchObject({ timeZone: 'Asia/Seoul', active: false });
      expect(sites.locked).toEqual([tokyo.id]);
      expect(sites.rows.get(tokyo.id)).toMatchObject({ timeZone: 'Asia/Seoul', active: false });
      expect(audit.only('site.updated')).toMatchObject({
        entityId: tokyo.id,
        siteId: tokyo.id,
        reason: 'Moved to the Seoul campus',
        changes: [
          { field: 'timeZone', old: 'Asia/Tokyo', new: 'Asia/Seoul' },
          { field: 'active', old: true, new: false },
        ],
      });
    });

    it('writes and audits nothing when no value changes', async () => {
      const { service, sites, audit, tokyo } = setUp();
      const before = { ...sites.rows.get(tokyo.id) };
      await service.update(tokyo.id, { name: 'Tokyo Memory Clinic', reason: 'Same name' });
      expect(sites.rows.get(tokyo.id)).toEqual(before);
      expect(audit.entries).toEqual([]);
    });

    it('answers not found for an unknown site', async () => {
      const { service, audit } = setUp();
      const error = await refusal(
        service.update('00000000-0000-4000-8000-ffffffffffff', { reason: 'r', name: 'x' }),
      );
      expect(error.code).toBe('not_found');
      expect(audit.entries).toEqual([]);
    });
  });
});
