import { CriteriaDocument, encodeStoredExplanation, ParticipantStatus } from '@registry/domain';
import type { DeterminationRecord } from '@registry/persistence';
import {
  admin,
  coordinatorAt,
  FakeAuditRepository,
  FakeFlagRepository,
  FakeParticipantRepository,
  FakeTransactions,
  monitorAt,
  refusal,
  sponsorOf,
} from '../../../../test/fakes';
import { ParticipantAccess } from '../participants/participant-access';
import type { FlagQueryDto } from './flag.dto';
import { FlagsService } from './flags.service';

const TOKYO = 'site-tokyo';
const BOSTON = 'site-boston';
const A4_TRIAL = 'trial-a4';
const AHEAD_TRIAL = 'trial-ahead';

const CRITERIA: CriteriaDocument = {
  language: 1,
  criteria: {
    type: 'all',
    of: [
      { type: 'age', min: 60, max: 85 },
      { type: 'apoe_e4_alleles', min: 1 },
    ],
  },
};

function setUp() {
  const participants = new FakeParticipantRepository();
  const flags = new FakeFlagRepository();
  const audit = new FakeAuditRepository();
  const transactions = new FakeTransactions();
  const service = new FlagsService(transactions, flags, audit, new ParticipantAccess(participants));
  const tokyo = participants.add({ siteId: TOKYO });
  const boston = participants.add({ siteId: BOSTON });
  return { service, flags, audit, participants, transactions, tokyo, boston };
}

const query = (fields: Partial<FlagQueryDto> = {}): FlagQueryDto => ({
  status: 'open',
  page: 1,
  pageSize: 50,
  ...fields,
});

/** What screening stored for a participant judged ineligible (no APOE e4 allele) on 30 November. */
function ineligibleByApoe(fields: Partial<DeterminationRecord> = {}): DeterminationRecord {
  return {
    trialId: A4_TRIAL,
    trialTitle: 'A4',
    result: 'ineligible',
    oneTestAway: null,
    criteriaVersion: 3,
    asOf: '2026-11-30',
    evaluatedAt: new Date('2026-11-30T02:00:00Z'),
    changedAt: new Date('2026-10-01T02:00:00Z'),
    leafJudgements: JSON.parse(
      JSON.stringify(
        encodeStoredExplanation('2026-11-30', [
          { outcome: 'pass', value: 66 },
          { outcome: 'fail', value: 0 },
        ]),
      ),
    ) as unknown,
    document: CRITERIA,
    ...fields,
  };
}

describe('FlagsService', () => {
  describe('who sees which flags', () => {
    function flagged() {
      const setup = setUp();
      const older = setup.flags.add({
        participantId: setup.tokyo.id,
        siteId: TOKYO,
        trialId: A4_TRIAL,
        raisedAt: new Date('2026-11-28T08:00:00Z'),
      });
      const newer = setup.flags.add({
        participantId: setup.tokyo.id,
        siteId: TOKYO,
        trialId: AHEAD_TRIAL,
        trialTitle: 'AHEAD',
        kind: 'one_test_away',
        test: 'amyloid PET',
        raisedAt: new Date('2026-11-30T08:00:00Z'),
      });
      const inBoston = setup.flags.add({ participantId: setup.boston.id, siteId: BOSTON, trialId: A4_TRIAL });
      return { ...setup, older, newer, inBoston };
    }

    it("shows a coordinator or a monitor the flags of their own sites' participants, newest first", async () => {
      const { service, older, newer } = flagged();
      for (const actor of [coordinatorAt(TOKYO), monitorAt(TOKYO)]) {
        const [items, total] = await service.list(actor, query());
        expect(items.map((flag) => flag.id)).toEqual([newer.id, older.id]);
        expect(total).toBe(2);
      }
      const [[first]] = await service.list(coordinatorAt(TOKYO), query());
      expect(first).toEqual({
        id: newer.id,
        participantId: newer.participantId,
        trialId: AHEAD_TRIAL,
        trialTitle: 'AHEAD',
        kind: 'one_test_away',
        episode: 1,
        test: 'amyloid PET',
        raisedAt: '2026-11-30T08:00:00.000Z',
        acknowledgedAt: null,
        closedAt: null,
        closeReason: null,
      });
    });

    it('shows an admin the flags of every site', async () => {
      const { service } = flagged();
      const [, total] = await service.list(admin(), query());
      expect(total).toBe(3);
    });

    it('never shows a sponsor a person: no flag of any site', async () => {
      const { service } = flagged();
      expect(await service.list(sponsorOf('org-lilly'), query())).toEqual([[], 0]);
    });

    it('counts every matching flag while returning one page, and filters by kind and trial', async () => {
      const { service, newer, older } = flagged();
      const [page, total] = await service.list(coordinatorAt(TOKYO), query({ page: 2, pageSize: 1 }));
      expect(page.map((flag) => flag.id)).toEqual([older.id]);
      expect(total).toBe(2);
      const [byKind] = await service.list(coordinatorAt(TOKYO), query({ kind: 'one_test_away' }));
      expect(byKind.map((flag) => flag.id)).toEqual([newer.id]);
      const [byTrial] = await service.list(coordinatorAt(TOKYO), query({ trialId: A4_TRIAL }));
      expect(byTrial.map((flag) => flag.id)).toEqual([older.id]);
    });

    it('lists an acknowledged flag as acknowledged, no longer as open', async () => {
      const { service, newer, older } = flagged();
      await service.acknowledge(coordinatorAt(TOKYO), newer.id);
      const [open] = await service.list(coordinatorAt(TOKYO), query());
      const [acknowledged] = await service.list(coordinatorAt(TOKYO), query({ status: 'acknowledged' }));
      expect(open.map((flag) => flag.id)).toEqual([older.id]);
      expect(acknowledged.map((flag) => flag.id)).toEqual([newer.id]);
    });
  });

  describe('acknowledging a flag', () => {
    it('stamps it with who and when, under a lock, and audits it against the participant’s site', async () => {
      const { service, flags, audit, tokyo } = setUp();
      const flag = flags.add({ participantId: tokyo.id, siteId: TOKYO, trialId: A4_TRIAL });
      const acknowledged = await service.acknowledge(coordinatorAt(TOKYO), flag.id);

      expect(acknowledged.acknowledgedAt).toBe(flags.databaseNow.toISOString());
      expect(flags.locked).toEqual([flag.id]);
      expect(flags.flags[0].acknowledgedBy).toBe(`coordinator-${TOKYO}`);
      expect(audit.only('flag.acknowledged')).toEqual({
        action: 'flag.acknowledged',
        entityType: 'eligibility_flag',
        entityId: flag.id,
        siteId: TOKYO,
        changes: [{ field: 'acknowledgedAt', old: null, new: flags.databaseNow.toISOString() }],
      });
    });

    it('answers a second acknowledgement with the flag as it is, writing nothing more', async () => {
      const { service, flags, audit, tokyo } = setUp();
      const flag = flags.add({ participantId: tokyo.id, siteId: TOKYO, trialId: A4_TRIAL });
      const first = await service.acknowledge(coordinatorAt(TOKYO), flag.id);
      flags.databaseNow = new Date('2026-12-02T10:00:00Z');
      const again = await service.acknowledge(coordinatorAt(TOKYO), flag.id);
      expect(again).toEqual(first);
      expect(audit.entries).toHaveLength(1);
    });

    it('refuses a closed flag with 409 giving why it closed, and writes nothing', async () => {
      const { service, flags, audit, tokyo } = setUp();
      const flag = flags.add({
        participantId: tokyo.id,
        siteId: TOKYO,
        trialId: A4_TRIAL,
        closedAt: new Date('2026-11-30T12:00:00Z'),
        closeReason: 'no longer eligible',
      });
      const error = await refusal(service.acknowledge(coordinatorAt(TOKYO), flag.id));
      expect(error.code).toBe('flag.closed');
      expect(error.message).toBe('The flag was closed: no longer eligible');
      expect(flags.flags[0].acknowledgedAt).toBeNull();
      expect(audit.entries).toEqual([]);
    });

    it('answers not found to a coordinator of another site, as for a flag that does not exist, and writes nothing', async () => {
      const { service, flags, audit, tokyo } = setUp();
      const flag = flags.add({ participantId: tokyo.id, siteId: TOKYO, trialId: A4_TRIAL });
      expect((await refusal(service.acknowledge(coordinatorAt(BOSTON), flag.id))).code).toBe('not_found');
      expect((await refusal(service.acknowledge(coordinatorAt(TOKYO), 'no-such-flag'))).code).toBe(
        'not_found',
      );
      expect(flags.flags[0].acknowledgedAt).toBeNull();
      expect(audit.entries).toEqual([]);
    });
  });

  describe("a participant's eligibility view", () => {
    it('shows the stored result with the explanation stored with it: the day judged for, when, and the deciding leaf', async () => {
      const { service, flags, tokyo } = setUp();
      flags.addDetermination(tokyo.id, ineligibleByApoe());
      const [view] = await service.eligibility(coordinatorAt(TOKYO), tokyo.id);

      expect(view).toMatchObject({
        trialId: A4_TRIAL,
        trialTitle: 'A4',
        screening: 'screened',
        notScreenedReason: null,
        result: 'ineligible',
        criteriaVersion: 3,
        asOf: '2026-11-30',
        computedAt: '2026-11-30T02:00:00.000Z',
        since: '2026-10-01T02:00:00.000Z',
      });
      expect(view.explanation!.tree).toMatchObject({ kind: 'all', result: 'fail' });
      expect(view.explanation!.summary).toEqual([
        expect.objectContaining({
          criterion: 'APOE e4 alleles >= 1',
          result: 'fail',
          reason: '0 APOE e4 alleles: does not meet APOE e4 alleles >= 1',
        }),
      ]);
    });

    it('shows a determination stored before explanations were kept without one, on the day stored with it', async () => {
      const { service, flags, tokyo } = setUp();
      flags.addDetermination(tokyo.id, ineligibleByApoe({ leafJudgements: null, asOf: '2026-06-01' }));
      const [view] = await service.eligibility(monitorAt(TOKYO), tokyo.id);
      expect(view).toMatchObject({ result: 'ineligible', asOf: '2026-06-01', explanation: null });
    });

    it('shows a participant who has only registered as not screened, with the reason, and no result', async () => {
      const { service, flags, participants } = setUp();
      const registered = participants.add({ siteId: TOKYO, status: ParticipantStatus.Registered });
      flags.addDetermination(registered.id, ineligibleByApoe());
      expect(await service.eligibility(coordinatorAt(TOKYO), registered.id)).toEqual([
        {
          trialId: A4_TRIAL,
          trialTitle: 'A4',
          screening: 'not_screened',
          notScreenedReason: 'registered, not yet enrolled',
          result: null,
          oneTestAway: null,
          criteriaVersion: null,
          asOf: null,
          computedAt: null,
          since: null,
          explanation: null,
        },
      ]);
    });

    it('answers not found to a coordinator of another site and to a sponsor', async () => {
      const { service, flags, tokyo } = setUp();
      flags.addDetermination(tokyo.id, ineligibleByApoe());
      expect((await refusal(service.eligibility(coordinatorAt(BOSTON), tokyo.id))).code).toBe('not_found');
      expect((await refusal(service.eligibility(sponsorOf('org-lilly'), tokyo.id))).code).toBe('not_found');
    });
  });
});
