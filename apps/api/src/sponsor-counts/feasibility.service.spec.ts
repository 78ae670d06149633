import { Environment } from '@registry/config';
import { ConsentScope, ParticipantProfile } from '@registry/domain';
import { baseProfile } from '@registry/domain/eligibility/test-profiles';
import { ErrorKind, FixedClock, SiteCalendar } from '@registry/platform';
import {
  exactDisclosure,
  FakeAuditRepository,
  FakeSiteRepository,
  FakeSponsorCohort,
  FakeSponsorCountsRepository,
  FakeSponsorQueryGate,
  FakeTransactions,
  FakeTrialRepository,
  isTransaction,
  refusal,
  sponsorOf,
} from '../../../../test/fakes';
import { FeasibilityService } from './feasibility.service';
import { FeasibilitySnapshot } from './feasibility-snapshot';
import { SponsorCohort, TrialPoolReport } from '@registry/sponsor-reports';
import { SponsorQueryGate, tooManySponsorQueries } from './sponsor-query-gate';

const LILLY = 'org-lilly';
const SHARING = [
  ConsentScope.RegistryFollowUp,
  ConsentScope.RecontactForTrials,
  ConsentScope.SponsorDataSharing,
];

/** Aged 65 to 85, with a study partner. */
const QUERY = {
  language: 1,
  criteria: { type: 'all', of: [{ type: 'age', min: 65, max: 85 }, { type: 'study_partner' }] },
};
/** The same query, every object's keys in another order. */
const QUERY_REORDERED = {
  criteria: { of: [{ max: 85, type: 'age', min: 65 }, { type: 'study_partner' }], type: 'all' },
  language: 1,
};
const OLDER_QUERY = {
  language: 1,
  criteria: { type: 'all', of: [{ type: 'age', min: 70, max: 85 }, { type: 'study_partner' }] },
};

/** A 70-year-old with a study partner who shares data with sponsors (one fact changed at a time from here). */
const sharing = (overrides: Partial<ParticipantProfile> = {}) =>
  baseProfile({ consentScopes: SHARING, ...overrides });

function setUp() {
  const transactions = new FakeTransactions();
  const sites = new FakeSiteRepository();
  const tokyo = sites.add({ code: 'TKY', timeZone: 'Asia/Tokyo' });
  const boston = sites.add({ code: 'BOS', timeZone: 'America/New_York', country: 'US' });
  const osaka = sites.add({ code: 'OSA', timeZone: 'Asia/Tokyo', active: false });
  const audit = new FakeAuditRepository();
  const cohort = new FakeSponsorCohort();
  const gate = new FakeSponsorQueryGate();
  const disclosure = exactDisclosure();
  // The cohort and the gate are classes with private members, which a structural fake cannot name.
  const clock = new FixedClock('2026-12-02T03:00:00Z');
  const counts = new FakeSponsorCountsRepository();
  const config = Object.assign(new Environment(), {
    FEASIBILITY_SNAPSHOT_MAX_AGE_SECONDS: 600,
    FEASIBILITY_SNAPSHOT_QUICK_BUILD_MS: 1000,
  });
  const snapshot = new FeasibilitySnapshot(
    transactions,
    sites,
    new FakeTrialRepository(),
    counts,
    cohort as unknown as SponsorCohort,
    new TrialPoolReport(counts, cohort as unknown as SponsorCohort, disclosure),
    new SiteCalendar(clock),
    clock,
    config,
  );
  const service = new FeasibilityService(
    transactions,
    audit,
    snapshot,
    gate as unknown as SponsorQueryGate,
    disclosure,
  );

  let enrolled = 0;
  /** Adds `howMany` participants at a site with this profile, on that site's day. */
  const enrol = (howMany: number, siteId: string, profile: ParticipantProfile): void => {
    for (let i = 0; i < howMany; i++) {
      enrolled += 1;
      cohort.members.push({
        participantId: `participant-${String(enrolled).padStart(3, '0')}`,
        siteId,
        today: siteId === boston.id ? '2026-12-01' : '2026-12-02',
        profile: { ...profile, participantId: `REG-${String(enrolled).padStart(6, '0')}-X` },
        stored: new Map(),
      });
    }
  };
  return {
    service,
    snapshot,
    sites: { tokyo, boston, osaka },
    audit,
    cohort,
    gate,
    transactions,
    enrol,
    clock,
    counts,
    config,
  };
}

const queryHashesAsked = (gate: FakeSponsorQueryGate): string[] =>
  gate.calls.map((call) => (call.admit === 'query' ? call.queryHash : `pool read of ${call.trialId}`));

describe('FeasibilityService', () => {
  describe('a criteria document that does not validate', () => {
    it('is refused as invalid input naming each problem by its path under criteria.criteria, before the query limit is asked or anything audited', async () => {
      const { service, gate, cohort, audit, transactions } = setUp();

      const error = await refusal(
        service.query(sponsorOf(LILLY), { language: 1, criteria: { type: 'age', min: 'sixty' } }),
      );

      expect(error.kind).toBe(ErrorKind.InvalidInput);
      expect(error.code).toBe('criteria.invalid');
      expect(error.details?.map((detail) => detail.field)).toContain('criteria.criteria.min');
      expect(error.details?.every((detail) => detail.field.startsWith('criteria.criteria'))).toBe(true);
      expect(gate.calls).toEqual([]);
      expect(cohort.walks).toEqual([]);
      expect(transactions.opened).toBe(0);
      expect(audit.entries).toEqual([]);
    });
  });

  describe("the organisation's query limit", () => {
    it('is asked about a feasibility query under the SHA-256 of its canonical form, the same whatever order its keys are written in', async () => {
      const { service, gate } = setUp();
      const sponsor = sponsorOf(LILLY);

      const first = await service.query(sponsor, QUERY);
      const reordered = await service.query(sponsor, QUERY_REORDERED);
      const other = await service.query(sponsor, OLDER_QUERY);

      expect(gate.calls.map((call) => [call.admit, call.actor, call.admit === 'query' && call.kind])).toEqual(
        Array(3).fill(['query', sponsor, 'feasibility']),
      );
      const [hash, reorderedHash, otherHash] = queryHashesAsked(gate);
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
      expect(reorderedHash).toBe(hash);
      expect(otherHash).not.toBe(hash);
      expect([first.queryHash, reordered.queryHash, other.queryHash]).toEqual([hash, hash, otherHash]);
    });

    it('is asked before anyone is counted: a query past the limit counts no one and audits no query', async () => {
      const { service, gate, cohort, audit, transactions, enrol, sites } = setUp();
      enrol(5, sites.tokyo.id, sharing());
      gate.refusal = tooManySponsorQueries(600);

      const error = await refusal(service.query(sponsorOf(LILLY), QUERY));

      expect(error.kind).toBe(ErrorKind.TooManyRequests);
      expect(cohort.walks).toEqual([]);
      expect(transactions.opened).toBe(0);
      expect(audit.entries).toEqual([]);
    });
  });

  describe('the audit trail', () => {
    it("records each query once, for the sponsor's organisation, with its hash and the criteria asked, in a transaction", async () => {
      const { service, gate, audit, cohort } = setUp();

      await service.query(sponsorOf(LILLY), QUERY);

      expect(audit.entries).toHaveLength(1);
      const entry = audit.only('sponsor_query.feasibility');
      expect(entry).toMatchObject({ entityType: 'sponsor_organisation', entityId: LILLY });
      expect(entry.changes).toEqual([
        { field: 'queryHash', old: null, new: queryHashesAsked(gate)[0] },
        { field: 'criteria', old: null, new: QUERY },
      ]);
      expect(isTransaction(audit.writtenOn.get(entry)!)).toBe(true);
      expect(cohort.walks.every((walk) => isTransaction(walk.tx))).toBe(true);
    });
  });

  describe('the counts', () => {
    it('judge everyone at the active sites who shares data with sponsors, step by step, into a funnel and a pool', async () => {
      const { service, cohort, enrol, sites } = setUp();
      enrol(6, sites.tokyo.id, sharing());
      enrol(5, sites.boston.id, sharing({ birthDate: '1966-06-01' })); // 60: too young
      enrol(7, sites.boston.id, sharing({ studyPartnerAvailable: false }));
      enrol(1, sites.tokyo.id, baseProfile()); // no consent to sharing with sponsors: not counted at all
      enrol(5, sites.osaka.id, sharing()); // at a site no longer active

      const answer = await service.query(sponsorOf(LILLY), QUERY);

      expect(cohort.walks).toHaveLength(1);
      expect(cohort.walks[0].siteIds.sort()).toEqual([sites.boston.id, sites.tokyo.id].sort());
      expect(cohort.walks[0].trialIds).toEqual([]);
      // Every assessment type: one projection serves any criteria document.
      expect(cohort.walks[0].assessmentTypes).toBeUndefined();
      expect(answer.siteCodes).toEqual(['BOS', 'TKY']);
      expect(answer.steps.map((step) => step.path)).toEqual(['$.criteria.of[0]', '$.criteria.of[1]']);
      expect(answer.counts).toMatchObject({
        'funnel.start': 18,
        'funnel.0.excluded': 5,
        'funnel.0.remaining': 13,
        'funnel.1.excluded': 7,
        'funnel.1.remaining': 6,
        'pool.eligible.total': 6,
        'pool.eligible.site.TKY': 6,
        'pool.eligible.site.BOS': 0,
        'pool.undetermined.total': 0,
      });
      expect(answer.reasons.map((reason) => [reason.key, answer.counts[reason.key]]).sort()).toEqual([
        ['reasons.ineligible.$.criteria.of[0]', 5],
        ['reasons.ineligible.$.criteria.of[1]', 7],
      ]);
    });
  });

  describe('the cohort the counts are read from', () => {
    it('is read once and reused: a second query counts the same projection without reading anyone again', async () => {
      const { service, cohort, enrol, sites } = setUp();
      enrol(6, sites.tokyo.id, sharing());

      const first = await service.query(sponsorOf(LILLY), QUERY);
      enrol(6, sites.tokyo.id, sharing());
      const second = await service.query(sponsorOf(LILLY), OLDER_QUERY);

      expect(cohort.walks).toHaveLength(1);
      expect(second.counts['funnel.start']).toBe(6);
      expect(first.dataAsOf).toEqual(new Date('2026-12-02T03:00:00Z'));
    });

    it('is read again once older than the maximum age, the query finding it old answered from it meanwhile when building takes long', async () => {
      const { service, cohort, enrol, sites, clock } = setUp();
      // Each read takes two seconds, more than FEASIBILITY_SNAPSHOT_QUICK_BUILD_MS.
      cohort.onWalk = () => clock.set(new Date(clock.now().getTime() + 2000));
      enrol(6, sites.tokyo.id, sharing());
      await service.query(sponsorOf(LILLY), QUERY);
      enrol(6, sites.tokyo.id, sharing());
      clock.set('2026-12-02T03:10:01Z');

      const stale = await service.query(sponsorOf(LILLY), QUERY);
      await new Promise((resolve) => setImmediate(resolve));
      const fresh = await service.query(sponsorOf(LILLY), QUERY);

      expect(stale.counts['funnel.start']).toBe(6);
      expect(stale.dataAsOf).toEqual(new Date('2026-12-02T03:00:00Z'));
      expect(cohort.walks).toHaveLength(2);
      expect(fresh.counts['funnel.start']).toBe(12);
      expect(fresh.dataAsOf).toEqual(new Date('2026-12-02T03:10:01Z'));
    });

    it('is read again once screening has stored a change, the query waiting for it when building is quick and answered from the old one meanwhile when it is not', async () => {
      const { service, cohort, enrol, sites, clock, counts } = setUp();
      enrol(6, sites.tokyo.id, sharing());
      await service.query(sponsorOf(LILLY), QUERY);
      enrol(6, sites.tokyo.id, sharing());
      counts.screeningChanges += 1; // as if their first screening had been stored

      const quick = await service.query(sponsorOf(LILLY), QUERY);
      expect(cohort.walks).toHaveLength(2);
      expect(quick.counts['funnel.start']).toBe(12);

      cohort.onWalk = () => clock.set(new Date(clock.now().getTime() + 2000));
      await service.query(sponsorOf(LILLY), QUERY); // nothing new: no read
      expect(cohort.walks).toHaveLength(2);
      counts.screeningChanges += 1;
      enrol(1, sites.tokyo.id, sharing());
      const slow = await service.query(sponsorOf(LILLY), QUERY); // the last read was quick: waits
      expect(slow.counts['funnel.start']).toBe(13);
      expect(cohort.walks).toHaveLength(3);

      counts.dataChanges += 1; // a visit recorded, say
      enrol(1, sites.tokyo.id, sharing());
      const old = await service.query(sponsorOf(LILLY), QUERY); // the last read took 2 s: answered at once
      await new Promise((resolve) => setImmediate(resolve));
      expect(old.counts['funnel.start']).toBe(13);
      // Rebuilt in the background only once older than four times its build time (8 s), not continuously.
      expect(cohort.walks).toHaveLength(3);
      clock.set(new Date(clock.now().getTime() + 8001));
      await service.query(sponsorOf(LILLY), QUERY);
      await new Promise((resolve) => setImmediate(resolve));
      expect(cohort.walks).toHaveLength(4);
      const fresh = await service.query(sponsorOf(LILLY), QUERY);
      expect(fresh.counts['funnel.start']).toBe(14);
      expect(cohort.walks).toHaveLength(4);
    });

    it('is rebuilt in the background for changed data by the periodic check too, at the same pace', async () => {
      const { service, snapshot, cohort, enrol, sites, clock, counts } = setUp();
      cohort.onWalk = () => clock.set(new Date(clock.now().getTime() + 2000));
      enrol(6, sites.tokyo.id, sharing());
      await service.query(sponsorOf(LILLY), QUERY);
      counts.screeningChanges += 1;

      await snapshot.refreshIfStale(); // 2 s old, built in 2 s: not yet
      expect(cohort.walks).toHaveLength(1);
      clock.set(new Date(clock.now().getTime() + 8001));
      await snapshot.refreshIfStale();
      expect(cohort.walks).toHaveLength(2);
      await snapshot.refreshIfStale(); // nothing changed since
      expect(cohort.walks).toHaveLength(2);
      snapshot.onModuleDestroy();
    });

    it('is never served once a consent has been withdrawn since it was read: the query waits for a new one', async () => {
      const { service, cohort, enrol, sites, counts } = setUp();
      enrol(6, sites.tokyo.id, sharing());
      await service.query(sponsorOf(LILLY), QUERY);
      cohort.members.splice(0, 1); // as if this person's sharing consent were withdrawn
      counts.withdrawals += 1;

      const answer = await service.query(sponsorOf(LILLY), QUERY);

      expect(cohort.walks).toHaveLength(2);
      expect(answer.counts['funnel.start']).toBe(5);
    });

    it('is rebuilt in the background once a consent is withdrawn, so that the next query does not wait for it', async () => {
      const { service, snapshot, cohort, enrol, sites, counts } = setUp();
      enrol(6, sites.tokyo.id, sharing());
      await service.query(sponsorOf(LILLY), QUERY);
      await snapshot.refreshIfStale();
      expect(cohort.walks).toHaveLength(1); // nothing changed: nothing read

      cohort.members.splice(0, 1); // as if this person's sharing consent were withdrawn
      counts.withdrawals += 1;
      await snapshot.refreshIfStale();
      expect(cohort.walks).toHaveLength(2);

      const answer = await service.query(sponsorOf(LILLY), QUERY);
      expect(cohort.walks).toHaveLength(2);
      expect(answer.counts['funnel.start']).toBe(5);
      snapshot.onModuleDestroy();
    });

    it("is rebuilt in the background when a site's calendar day turns, checked every FEASIBILITY_SNAPSHOT_CHECK_SECONDS from the first query on", async () => {
      jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
      try {
        const { service, snapshot, cohort, enrol, sites, clock } = setUp();
        enrol(6, sites.tokyo.id, sharing());
        await jest.advanceTimersByTimeAsync(120_000);
        expect(cohort.walks).toHaveLength(0); // no query yet: the cohort is never read

        await service.query(sponsorOf(LILLY), QUERY);
        clock.set('2026-12-02T15:00:01Z'); // midnight has passed in Tokyo (UTC+9)
        await jest.advanceTimersByTimeAsync(59_000);
        expect(cohort.walks).toHaveLength(1);
        await jest.advanceTimersByTimeAsync(1_000);
        expect(cohort.walks).toHaveLength(2);

        await service.query(sponsorOf(LILLY), QUERY);
        expect(cohort.walks).toHaveLength(2);
        snapshot.onModuleDestroy();
        await jest.advanceTimersByTimeAsync(600_000);
        expect(cohort.walks).toHaveLength(2);
      } finally {
        jest.useRealTimers();
      }
    });

    it('is read as the process starts with FEASIBILITY_SNAPSHOT_AT_START, so that the first query does not wait for it', async () => {
      const { service, snapshot, cohort, enrol, sites, config } = setUp();
      enrol(6, sites.tokyo.id, sharing());
      snapshot.onApplicationBootstrap();
      expect(cohort.walks).toHaveLength(0); // off by default

      config.FEASIBILITY_SNAPSHOT_AT_START = true;
      snapshot.onApplicationBootstrap();
      await new Promise((resolve) => setImmediate(resolve));
      expect(cohort.walks).toHaveLength(1);
      const answer = await service.query(sponsorOf(LILLY), QUERY);
      expect(cohort.walks).toHaveLength(1);
      expect(answer.counts['funnel.start']).toBe(6);
      snapshot.onModuleDestroy();
    });

    it("is never served once a site's calendar day has turned, nor at twice its maximum age", async () => {
      const { service, cohort, enrol, sites, clock } = setUp();
      enrol(6, sites.tokyo.id, sharing());
      await service.query(sponsorOf(LILLY), QUERY);
      clock.set('2026-12-02T15:00:01Z'); // midnight has passed in Tokyo (UTC+9), not in Boston
      await service.query(sponsorOf(LILLY), QUERY);
      expect(cohort.walks).toHaveLength(2);

      clock.set('2026-12-02T15:20:02Z'); // twice the maximum age (600 s) since, on the same days
      await service.query(sponsorOf(LILLY), QUERY);
      expect(cohort.walks).toHaveLength(3);
    });
  });
});
