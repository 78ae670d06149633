import { Environment } from '@registry/config';
import {
  admin,
  coordinatorAt,
  FakeAuditTrailRepository,
  FakeTransactions,
  monitorAt,
} from '../../../../test/fakes';
import type { AuditQueryDto } from './audit.dto';
import { AuditService } from './audit.service';

const CHECKPOINT_KEY = 'checkpoint-key-for-unit-tests-only-0123456789';
const TOKYO = 'site-tokyo';
const BOSTON = 'site-boston';

function setUp() {
  const trail = new FakeAuditTrailRepository();
  const config = Object.assign(new Environment(), { AUDIT_CHECKPOINT_KEY: CHECKPOINT_KEY });
  const service = new AuditService(new FakeTransactions(), trail, config);
  return { service, trail };
}

function query(overrides: Partial<AuditQueryDto> = {}): AuditQueryDto {
  return { page: 1, pageSize: 50, ...overrides };
}

describe('AuditService', () => {
  describe('searching the trail', () => {
    it('gives an admin every row, newest first, including rows of no site', async () => {
      const { service, trail } = setUp();
      trail.add({ action: 'user.created' });
      trail.add({ action: 'site.updated', siteId: TOKYO });
      trail.add({ action: 'site.updated', siteId: BOSTON });

      const [events, total] = await service.search(admin(), query());
      expect(events.map((event) => event.id)).toEqual(['3', '2', '1']);
      expect(total).toBe(3);
    });

    it('gives coordinators and monitors only the rows of their sites', async () => {
      const { service, trail } = setUp();
      trail.add({ action: 'user.created' });
      const own = trail.add({ action: 'participant.enrolled', siteId: TOKYO });
      trail.add({ action: 'participant.enrolled', siteId: BOSTON });

      for (const reader of [coordinatorAt(TOKYO), monitorAt(TOKYO)]) {
        const [events, total] = await service.search(reader, query());
        expect(events.map((event) => event.id)).toEqual([own.id]);
        expect(total).toBe(1);
      }
    });

    it("withholds from a site's reader the other sites' registry ids that old enrolment rows named, and shows them to an admin", async () => {
      const { service, trail } = setUp();
      const changes = [
        { field: 'status', old: null, new: 'registered' },
        { field: 'possibleDuplicateOf', old: null, new: ['BOS-000007-Q'] },
      ];
      trail.add({ action: 'participant.enrolled', siteId: TOKYO, changes });

      const [[seenBySite]] = await service.search(coordinatorAt(TOKYO), query());
      expect(seenBySite.changes).toEqual([
        { field: 'status', old: null, new: 'registered' },
        { field: 'possibleDuplicateOf', old: null, new: '[withheld: registry ids of other sites]' },
      ]);
      const [[seenByAdmin]] = await service.search(admin(), query());
      expect(seenByAdmin.changes).toEqual(changes);
    });

    it('filters by entity, actor and time (from inclusive, to exclusive), and pages', async () => {
      const { service, trail } = setUp();
      const actor = '11111111-1111-4111-8111-111111111111';
      trail.add({
        action: 'site.updated',
        entityId: 's1',
        actorUserId: actor,
        occurredAt: new Date('2026-03-01T00:00:00Z'),
      });
      const match = trail.add({
        action: 'site.updated',
        entityId: 's1',
        actorUserId: actor,
        occurredAt: new Date('2026-03-02T00:00:00Z'),
      });
      trail.add({
        action: 'site.updated',
        entityId: 's1',
        actorUserId: actor,
        occurredAt: new Date('2026-03-03T00:00:00Z'),
      });
      trail.add({
        action: 'site.updated',
        entityId: 's2',
        actorUserId: actor,
        occurredAt: new Date('2026-03-02T12:00:00Z'),
      });
      trail.add({ action: 'user.created', entityId: 's1', occurredAt: new Date('2026-03-02T12:00:00Z') });

      const [events, total] = await service.search(
        admin(),
        query({
          entityType: 'site',
          entityId: 's1',
          actor,
          from: '2026-03-02T00:00:00Z',
          to: '2026-03-03T00:00:00Z',
        }),
      );
      expect(events.map((event) => event.id)).toEqual([match.id]);
      expect(total).toBe(1);

      const [page, all] = await service.search(admin(), query({ page: 2, pageSize: 2 }));
      expect(page.map((event) => event.id)).toEqual(['3', '2']);
      expect(all).toBe(5);
    });
  });

  describe('verifying the trail', () => {
    it('holds when the chain and every checkpoint hold, and counts the rows after the newest checkpoint', async () => {
      const { service, trail } = setUp();
      for (let i = 0; i < 5; i++) trail.add({ action: 'user.created' });
      trail.chain = { valid: true, checked: 5 };
      trail.checkpoints = {
        valid: true,
        checked: 1,
        newest: { id: '1', headEventId: '3', createdAt: '2026-01-01T00:05:00.000Z' },
      };

      expect(await service.verify()).toEqual({
        valid: true,
        checked: 5,
        checkpoints: {
          valid: true,
          checked: 1,
          newest: { id: '1', headEventId: '3', createdAt: '2026-01-01T00:05:00.000Z' },
          rowsAfterNewest: 2,
        },
      });
      expect(trail.checkpointKeys).toEqual([CHECKPOINT_KEY]);
    });

    it('counts every row as unprotected by a checkpoint while none was written', async () => {
      const { service, trail } = setUp();
      for (let i = 0; i < 4; i++) trail.add({ action: 'user.created' });
      expect((await service.verify()).checkpoints.rowsAfterNewest).toBe(4);
    });

    it('fails when a checkpoint does not hold although the chain does (the trail was rewritten and rehashed)', async () => {
      const { service, trail } = setUp();
      trail.add({ action: 'user.created' });
      trail.chain = { valid: true, checked: 1 };
      trail.checkpoints = {
        valid: false,
        checked: 0,
        firstInvalid: { id: '1', problem: 'head_hash_mismatch' },
      };

      const report = await service.verify();
      expect(report.valid).toBe(false);
      expect(report.checkpoints.firstInvalid).toEqual({ id: '1', problem: 'head_hash_mismatch' });
    });

    it('fails and names the first broken link when the chain does not hold', async () => {
      const { service, trail } = setUp();
      trail.chain = { valid: false, checked: 41, firstBrokenLink: { id: '42', problem: 'hash_mismatch' } };

      const report = await service.verify();
      expect(report).toMatchObject({
        valid: false,
        checked: 41,
        firstBrokenLink: { id: '42', problem: 'hash_mismatch' },
      });
      expect(report.checkpoints.valid).toBe(true);
    });
  });
});
