import { Environment } from '@registry/config';
import { ConsentScope, ParticipantProfile, ParticipantStatus } from '@registry/domain';
import { baseProfile } from '@registry/domain/eligibility/test-profiles';
import { ErrorKind, FixedClock, SiteCalendar } from '@registry/platform';
import {
  admin,
  exactDisclosure,
  FakeAuditRepository,
  FakeSiteRepository,
  FakeSponsorCohort,
  FakeSponsorCountsRepository,
  FakeSponsorQueryGate,
  FakeStoredVerdict,
  FakeTransactions,
  FakeTrialRepository,
  isTransaction,
  refusal,
  sponsorOf,
} from '../../../../test/fakes';
import { FeasibilitySnapshot } from './feasibility-snapshot';
import { PoolService } from './pool.service';
import { SponsorCohort, TrialPoolReport } from '@registry/sponsor-reports';
import { SponsorQueryGate, tooManySponsorQueries } from './sponsor-query-gate';

const LILLY = 'org-lilly';
const EISAI = 'org-eisai';
const TOKYO = 'site-tokyo';
/** The day at Tokyo for everyone walked: the pool holds for it. */
const TODAY = '2026-12-02';
const CURRENT = 2;
const SHARING = [
  ConsentScope.RegistryFollowUp,
  ConsentScope.RecontactForTrials,
  ConsentScope.SponsorDataSharing,
];

const eligible = (criteriaVersion = CURRENT): FakeStoredVerdict => ({
  criteriaVersion,
  result: 'eligible',
  oneTestAway: null,
});
const petAway = (criteriaVersion = CURRENT): FakeStoredVerdict => ({
  criteriaVersion,
  result: 'undetermined',
  oneTestAway: 'amyloid_pet',
});
const undetermined: FakeStoredVerdict = {
  criteriaVersion: CURRENT,
  result: 'undetermined',
  oneTestAway: null,
};
const ineligible: FakeStoredVerdict = { criteriaVersion: CURRENT, result: 'ineligible', oneTestAway: null };

/** A 70-year-old in the registry who shares data with sponsors (one fact changed at a time from here). */
const sharing = (overrides: Partial<ParticipantProfile> = {}) =>
  baseProfile({ consentScopes: SHARING, ...overrides });

function setUp() {
  const transactions = new FakeTransactions();
  const trials = new FakeTrialRepository();
  const counts = new FakeSponsorCountsRepository();
  const audit = new FakeAuditRepository();
  const cohort = new FakeSponsorCohort();
  const gate = new FakeSponsorQueryGate();
  const disclosure = exactDisclosure();
  const clock = new FixedClock('2026-12-02T03:00:00Z');
  // The cohort and the gate are classes with private members, which a structural fake cannot name.
  const report = new TrialPoolReport(counts, cohort as unknown as SponsorCohort, disclosure);
  const snapshot = new FeasibilitySnapshot(
    transactions,
    new FakeSiteRepository(),
    trials,
    counts,
    cohort as unknown as SponsorCohort,
    report,
    new SiteCalendar(clock),
    clock,
    Object.assign(new Environment(), {
      FEASIBILITY_SNAPSHOT_MAX_AGE_SECONDS: 600,
      FEASIBILITY_SNAPSHOT_QUICK_BUILD_MS: 1000,
    }),
  );
  const service = new PoolService(
    transactions,
    trials,
    audit,
    gate as unknown as SponsorQueryGate,
    report,
    snapshot,
    clock,
  );
  const trial = trials.add({ sponsorOrganisationId: LILLY, criteriaVersion: CURRENT, status: 'recruiting' });
  trials.trialSites.push({ trialId: trial.id, siteId: TOKYO });

  let enrolled = 0;
  /** Adds `howMany` participants at Tokyo with this profile and, unless null, this stored determination. */
  const enrol = (howMany: number, profile: ParticipantProfile, stored: FakeStoredVerdict | null): string[] =>
    Array.from({ length: howMany }, () => {
      enrolled += 1;
      const participantId = `participant-${String(enrolled).padStart(3, '0')}`;
      cohort.members.push({
        participantId,
        siteId: TOKYO,
        today: TODAY,
        profile: { ...profile, participantId: `TKY-${String(enrolled).padStart(6, '0')}-X` },
        stored: new Map(stored ? [[trial.id, stored]] : []),
      });
      return participantId;
    });
  return { service, snapshot, trial, trials, counts, audit, cohort, gate, transactions, clock, enrol };
}

describe('PoolService', () => {
  describe('who may read a pool', () => {
    it('answers not found to a sponsor of another organisation, and neither counts nor spends its query limit, but audits the refused read', async () => {
      const { service, trial, cohort, gate, audit, enrol } = setUp();
      enrol(5, sharing(), eligible());

      const error = await refusal(service.pool(sponsorOf(EISAI), trial.id));

      expect(error.kind).toBe(ErrorKind.NotFound);
      expect(error.code).toBe('not_found');
      expect(gate.calls).toEqual([]);
      expect(cohort.walks).toEqual([]);
      expect(audit.entries).toHaveLength(1);
      const refused = audit.only('sponsor_query.refused');
      expect(refused).toMatchObject({ entityType: 'sponsor_organisation', entityId: EISAI });
      expect(refused.changes).toEqual([
        { field: 'kind', old: null, new: 'pool' },
        { field: 'trialId', old: null, new: trial.id },
        { field: 'reason', old: null, new: 'not_found' },
      ]);
    });

    it("shows the pool to the trial's own sponsor and to an admin, as of the day at the trial's site", async () => {
      const { service, trial, enrol } = setUp();
      enrol(5, sharing(), eligible());

      for (const actor of [sponsorOf(LILLY), admin()]) {
        const pool = await service.pool(actor, trial.id);
        expect(pool.trial.id).toBe(trial.id);
        expect(pool.asOf).toBe(TODAY);
        expect(pool.counts['pool.eligible.total']).toBe(5);
      }
    });
  });

  describe("the organisation's query limit", () => {
    it('is asked about this trial at its current criteria version', async () => {
      const { service, trial, gate } = setUp();
      const sponsor = sponsorOf(LILLY);

      await service.pool(sponsor, trial.id);

      expect(gate.calls).toEqual([
        { admit: 'poolRead', actor: sponsor, trialId: trial.id, criteriaVersion: CURRENT },
      ]);
    });

    it('is asked before anyone is counted: a read past the limit counts no one and audits no pool read', async () => {
      const { service, trial, gate, cohort, counts, audit, transactions, enrol } = setUp();
      enrol(5, sharing(), eligible());
      gate.refusal = tooManySponsorQueries(600);

      const error = await refusal(service.pool(sponsorOf(LILLY), trial.id));

      expect(error.kind).toBe(ErrorKind.TooManyRequests);
      expect(cohort.walks).toEqual([]);
      expect(counts.flagReads).toEqual([]);
      expect(transactions.opened).toBe(0);
      expect(audit.entries).toEqual([]);
    });
  });

  describe('who is counted', () => {
    it('counts only people who share their data with sponsors and are free to be recruited', async () => {
      const { service, trial, enrol } = setUp();
      enrol(5, sharing(), eligible());
      // Someone the registry referred to this very trial still belongs to its pool.
      enrol(1, sharing({ status: ParticipantStatus.Referred, trialCommitments: [trial.id] }), eligible());
      // None of these changes any number, eligible as screening found them.
      enrol(1, baseProfile(), eligible()); // no consent to sharing with sponsors
      enrol(1, sharing({ status: ParticipantStatus.Withdrawn }), eligible());
      enrol(1, sharing({ status: ParticipantStatus.Deceased }), eligible());
      enrol(1, sharing({ trialCommitments: ['another-trial'] }), eligible());
      enrol(1, baseProfile(), null); // not sharing and not yet screened: not awaiting screening either

      const { counts } = await service.pool(sponsorOf(LILLY), trial.id);

      expect(counts['pool.eligible.total']).toBe(6);
      expect(counts['pool.eligible.sex.female']).toBe(6);
      expect(counts['pool.eligible.ageBand.70-74']).toBe(6);
      expect(counts.awaitingScreening).toBe(0);
    });

    it('puts the eligible, those one test away (by the test) and the otherwise undetermined apart, and leaves out the ineligible', async () => {
      const { service, trial, enrol } = setUp();
      enrol(5, sharing(), eligible());
      enrol(6, sharing(), petAway());
      enrol(7, sharing(), undetermined);
      enrol(8, sharing(), ineligible);

      const pool = await service.pool(sponsorOf(LILLY), trial.id);

      expect(pool.counts['pool.eligible.total']).toBe(5);
      expect(pool.counts['pool.oneTestAway.total']).toBe(6);
      expect(pool.counts['pool.oneTestAway.test.amyloid_pet']).toBe(6);
      expect(pool.counts['pool.undetermined.total']).toBe(7);
      expect(pool.testsNeeded).toEqual(['amyloid_pet']);
    });

    it('counts someone judged only under an older version of the criteria, or not judged yet, as awaiting screening and not in the pool', async () => {
      const { service, trial, enrol } = setUp();
      enrol(5, sharing(), eligible());
      enrol(5, sharing(), eligible(CURRENT - 1));
      enrol(1, sharing(), petAway(CURRENT - 1));
      enrol(1, sharing(), null);

      const { counts } = await service.pool(sponsorOf(LILLY), trial.id);

      expect(counts.awaitingScreening).toBe(7);
      expect(counts['pool.eligible.total']).toBe(5);
      expect(counts['pool.oneTestAway.total']).toBe(0);
      expect(counts['pool.undetermined.total']).toBe(0);
    });
  });

  describe('the trend', () => {
    it('counts, month by month over the last 24 months, when people who still share with sponsors became eligible (in a trial since or not), and no one else', async () => {
      const { service, trial, counts: stored, enrol } = setUp();
      // Counted whatever screening says of them today: the trend is when they became eligible.
      const counted = [
        ...enrol(3, sharing(), eligible()),
        ...enrol(1, sharing(), ineligible),
        ...enrol(1, sharing(), eligible(CURRENT - 1)),
        // Randomised into a trial since: out of the pool, but their past eligibility stays in the trend.
        ...enrol(1, sharing({ status: ParticipantStatus.InTrial }), eligible()),
      ];
      const [notSharing] = enrol(1, baseProfile(), eligible());
      const [withdrawn] = enrol(1, sharing({ status: ParticipantStatus.Withdrawn }), eligible());
      stored.flags.push({ trialId: trial.id, participantId: withdrawn, raisedOn: '2026-03-12' });
      for (const participantId of counted)
        stored.flags.push({ trialId: trial.id, participantId, raisedOn: '2026-03-10' });
      stored.flags.push({ trialId: trial.id, participantId: notSharing, raisedOn: '2026-03-11' });
      stored.flags.push({ trialId: trial.id, participantId: notSharing, raisedOn: '2026-07-01' });

      const pool = await service.pool(sponsorOf(LILLY), trial.id);

      expect(stored.flagReads.map(({ trialId, since }) => ({ trialId, since }))).toEqual([
        { trialId: trial.id, since: '2025-01-01' },
      ]);
      expect(pool.trendMonths).toHaveLength(24);
      expect([pool.trendMonths[0], pool.trendMonths[23]]).toEqual(['2025-01', '2026-12']);
      expect(pool.counts['trend.2026-03']).toBe(6);
      expect(pool.counts['trend.2026-07']).toBe(0);
    });
  });

  describe('the projection', () => {
    it('counts someone one test away in the month of their first planned visit that includes that test', async () => {
      const { service, trial, counts: stored, enrol } = setUp();
      const away = enrol(5, sharing(), petAway());
      // Eligible already: a planned PET changes nothing about them.
      const alreadyEligible = enrol(5, sharing(), eligible());
      const [notSharing] = enrol(1, baseProfile(), petAway());
      for (const participantId of away) {
        stored.visits.push({ participantId, targetDate: '2027-01-12', assessments: ['cdr', 'mmse'] });
        stored.visits.push({ participantId, targetDate: '2027-04-20', assessments: ['amyloid_pet'] });
        stored.visits.push({ participantId, targetDate: '2027-02-15', assessments: ['mmse', 'amyloid_pet'] });
      }
      for (const participantId of [...alreadyEligible, notSharing])
        stored.visits.push({ participantId, targetDate: '2027-01-12', assessments: ['amyloid_pet'] });

      const pool = await service.pool(sponsorOf(LILLY), trial.id);

      expect(pool.projectionMonths).toEqual([
        '2026-12',
        '2027-01',
        '2027-02',
        '2027-03',
        '2027-04',
        '2027-05',
      ]);
      expect(pool.counts['projection.2027-02']).toBe(5);
      expect(pool.counts['projection.2027-01']).toBe(0);
      expect(pool.counts['projection.2027-04']).toBe(0);
      expect(stored.visitReads.map((read) => [...read.participantIds].sort())).toEqual([away]);
    });
  });

  describe('the audit trail', () => {
    it('records exactly one pool read of the trial at its criteria version, in a transaction, each time it is read', async () => {
      const { service, trial, audit, enrol } = setUp();
      enrol(5, sharing(), eligible());

      await service.pool(sponsorOf(LILLY), trial.id);

      expect(audit.entries).toHaveLength(1);
      const entry = audit.only('sponsor_query.pool');
      expect(entry).toMatchObject({ entityType: 'trial', entityId: trial.id });
      expect(entry.changes).toEqual([{ field: 'criteriaVersion', old: null, new: CURRENT }]);
      expect(isTransaction(audit.writtenOn.get(entry)!)).toBe(true);

      await service.pool(sponsorOf(LILLY), trial.id); // answered from the kept pool: audited all the same
      expect(audit.entries.filter((e) => e.action === 'sponsor_query.pool')).toHaveLength(2);
    });
  });

  describe('where the counts come from', () => {
    it('counts every trial not closed in one walk with the feasibility projection, and answers later reads from it while screening stores nothing new', async () => {
      const { service, trial, trials, cohort, enrol, clock } = setUp();
      const other = trials.add({ sponsorOrganisationId: LILLY, criteriaVersion: 1, status: 'paused' });
      trials.trialSites.push({ trialId: other.id, siteId: TOKYO });
      const closed = trials.add({ sponsorOrganisationId: LILLY, criteriaVersion: 1, status: 'closed' });
      trials.trialSites.push({ trialId: closed.id, siteId: TOKYO });
      enrol(5, sharing(), eligible());

      const first = await service.pool(sponsorOf(LILLY), trial.id);
      enrol(5, sharing(), eligible()); // not screened yet: nothing stored, nothing new to count
      clock.set('2026-12-02T03:05:00Z');
      const again = await service.pool(sponsorOf(LILLY), trial.id);
      await service.pool(sponsorOf(LILLY), other.id);

      expect(cohort.walks).toHaveLength(1);
      expect([...cohort.walks[0].trialIds].sort()).toEqual([trial.id, other.id].sort());
      expect(again.counts['pool.eligible.total']).toBe(5);
      expect(again.counts.awaitingScreening).toBe(0);
      expect(first.dataAsOf).toEqual(new Date('2026-12-02T03:00:00Z'));
      expect(again.dataAsOf).toEqual(new Date('2026-12-02T03:00:00Z'));
    });

    it('counts a closed trial when asked, from a walk of its own', async () => {
      const { service, trials, cohort, enrol, clock } = setUp();
      const closed = trials.add({ sponsorOrganisationId: LILLY, criteriaVersion: CURRENT, status: 'closed' });
      trials.trialSites.push({ trialId: closed.id, siteId: TOKYO });
      enrol(5, sharing(), eligible());
      clock.set('2026-12-02T04:00:00Z');

      const pool = await service.pool(sponsorOf(LILLY), closed.id);

      expect(cohort.walks.map((walk) => walk.trialIds)).toEqual([[closed.id]]);
      expect(pool.dataAsOf).toEqual(new Date('2026-12-02T04:00:00Z'));
    });

    it('reads the cohort again once screening has stored a change, so that the pool fills as visits are recorded', async () => {
      const { service, trial, cohort, counts, enrol } = setUp();
      enrol(5, sharing(), eligible());
      await service.pool(sponsorOf(LILLY), trial.id);

      enrol(3, sharing(), eligible());
      counts.screeningChanges += 1; // their determinations stored

      const pool = await service.pool(sponsorOf(LILLY), trial.id);
      expect(cohort.walks).toHaveLength(2);
      expect(pool.counts['pool.eligible.total']).toBe(8);
    });

    it('never answers from a pool counted under an earlier criteria version or other sites of the trial: a quick registry waits for a new count', async () => {
      const { service, snapshot, trial, trials, cohort, enrol } = setUp();
      enrol(5, sharing(), eligible());
      await service.pool(sponsorOf(LILLY), trial.id);

      await trials.setCriteriaVersion(null as never, trial.id, CURRENT + 1);
      const pool = await service.pool(sponsorOf(LILLY), trial.id);
      expect(cohort.walks).toHaveLength(2);
      expect(pool.trial.criteriaVersion).toBe(CURRENT + 1);
      expect(pool.counts.awaitingScreening).toBe(5); // judged at the earlier version only
      expect(pool.counts['pool.eligible.total']).toBe(0);

      trials.trialSites.push({ trialId: trial.id, siteId: 'site-osaka' });
      await service.pool(sponsorOf(LILLY), trial.id);
      expect(cohort.walks).toHaveLength(3);
      snapshot.onModuleDestroy();
    });

    it('when reading the cohort is slow, counts a trial whose criteria changed alone at once, and keeps it from the next read of the cohort', async () => {
      const { service, snapshot, trial, trials, cohort, enrol, clock } = setUp();
      // Each read of the cohort takes two seconds, more than FEASIBILITY_SNAPSHOT_QUICK_BUILD_MS.
      cohort.onWalk = () => clock.set(new Date(clock.now().getTime() + 2000));
      enrol(5, sharing(), eligible());
      await service.pool(sponsorOf(LILLY), trial.id);

      await trials.setCriteriaVersion(null as never, trial.id, CURRENT + 1);
      const counted = await service.pool(sponsorOf(LILLY), trial.id);
      await new Promise((resolve) => setImmediate(resolve));

      expect(counted.trial.criteriaVersion).toBe(CURRENT + 1);
      expect(counted.counts.awaitingScreening).toBe(5);
      // The trial counted alone (its amyloid results only), and the whole cohort read again behind it.
      expect(
        cohort.walks.slice(1).map((walk) => [walk.trialIds, walk.assessmentTypes !== undefined]),
      ).toEqual(
        expect.arrayContaining([
          [[trial.id], true],
          [[trial.id], false],
        ]),
      );
      expect(cohort.walks).toHaveLength(3);
      const kept = await service.pool(sponsorOf(LILLY), trial.id);
      expect(cohort.walks).toHaveLength(3);
      expect(kept.counts.awaitingScreening).toBe(5);
      snapshot.onModuleDestroy();
    });
  });
});
