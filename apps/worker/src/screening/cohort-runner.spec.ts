import { Environment } from '@registry/config';
import { ParticipantProfile, TRIAL_TEMPLATES } from '@registry/domain';
import { FixedClock, SiteCalendar } from '@registry/platform';
import { baseProfile } from '../../../../libs/domain/src/eligibility/test-profiles';
import {
  FakeDeterminationRepository,
  FakeScreeningRepository,
  FakeScreeningRunRepository,
  FakeTransactions,
  isTransaction,
} from '../../../../test/fakes';
import { CohortRunner } from './cohort-runner';
import { ScreeningService } from './screening.service';

const TOKYO = 'site-tokyo';
const BOSTON = 'site-boston';
const A4 = TRIAL_TEMPLATES.find((t) => t.key === 'a4')!;

function setUp() {
  const determinations = new FakeDeterminationRepository();
  const reads = new FakeScreeningRepository(determinations);
  reads.timeZones.set(TOKYO, 'Asia/Tokyo');
  reads.timeZones.set(BOSTON, 'America/New_York');
  reads.trials.push({
    id: 'trial-a4',
    criteriaVersion: 2,
    criteria: A4.criteria,
    siteIds: new Set([TOKYO, BOSTON]),
    recruiting: true,
  });
  const runs = new FakeScreeningRunRepository();
  const transactions = new FakeTransactions();
  const config = Object.assign(new Environment(), {
    SCREENING_BATCH_SIZE: 2,
    SCREENING_BATCHES_IN_FLIGHT: 2,
  });
  const screening = new ScreeningService(
    transactions,
    reads,
    determinations,
    new SiteCalendar(new FixedClock('2026-06-01T03:00:00Z')),
  );
  const runner = new CohortRunner(screening, transactions, runs, reads, config);
  const enrol = (participantId: string, siteId = TOKYO) => {
    const profile: ParticipantProfile = baseProfile({ participantId });
    reads.participants.set(participantId, { profile, siteId });
    return participantId;
  };
  const progress: string[] = [];
  const run = (runIds: string[]) =>
    runner.run(runIds, ({ cursor }) => Promise.resolve(progress.push(cursor)));
  return { runner, run, runs, reads, determinations, transactions, enrol, progress };
}

const screenedIds = (determinations: FakeDeterminationRepository) =>
  [...determinations.determinations.values()].map((d) => d.participantId).sort();

describe('CohortRunner', () => {
  it('screens the trial’s cohort in batches, each with its cursor in the same transaction, and finishes the run', async () => {
    const { run, runs, determinations, transactions, enrol, progress } = setUp();
    const ids = ['P1', 'P2', 'P3', 'P4', 'P5'].map((id) => enrol(id));
    const started = runs.add({ trialId: 'trial-a4', criteriaVersion: 2, total: 5 });

    const outcome = await run([started.id]);

    expect(outcome).toEqual({ status: 'done', detail: { screened: 5, runs: 1 } });
    expect(screenedIds(determinations)).toEqual(ids);
    expect(runs.advances.map((a) => a.batch.cursor)).toEqual(['P2', 'P4', 'P5']);
    expect(transactions.opened).toBe(3);
    // Each batch's cursor moves in a transaction of its own, the one that wrote the batch's determinations.
    expect(new Set(runs.advances.map((a) => a.tx)).size).toBe(3);
    expect(runs.advances.every((a) => isTransaction(a.tx))).toBe(true);
    expect(progress).toEqual(['P2', 'P4', 'P5']);
    expect(started).toMatchObject({ finished: true, done: 5, cursor: 'P5' });
  });

  it('a run resumed after a crash continues after its committed cursor and screens no one twice', async () => {
    const { run, runs, determinations, enrol } = setUp();
    ['P1', 'P2', 'P3', 'P4', 'P5'].forEach((id) => enrol(id));
    const resumed = runs.add({ trialId: 'trial-a4', criteriaVersion: 2, total: 5, done: 2, cursor: 'P2' });

    const outcome = await run([resumed.id]);

    expect(outcome).toEqual({ status: 'done', detail: { screened: 3, runs: 1 } });
    expect(screenedIds(determinations)).toEqual(['P3', 'P4', 'P5']);
    expect(resumed).toMatchObject({ finished: true, done: 5 });
  });

  it('a site’s daily re-screen walks only that site’s participants', async () => {
    const { run, runs, determinations, enrol } = setUp();
    enrol('P1', TOKYO);
    enrol('P2', BOSTON);
    enrol('P3', TOKYO);
    const daily = runs.add({ trialId: 'trial-a4', criteriaVersion: 2, siteId: BOSTON, total: 1 });

    await run([daily.id]);

    expect(screenedIds(determinations)).toEqual(['P2']);
  });

  it('a run whose trial moved to new criteria is ended without screening anyone', async () => {
    const { run, runs, determinations, enrol } = setUp();
    enrol('P1');
    const superseded = runs.add({ trialId: 'trial-a4', criteriaVersion: 1, total: 1 });

    const outcome = await run([superseded.id]);

    expect(outcome.status).toBe('skipped');
    expect(superseded.finished).toBe(true);
    expect(determinations.determinations.size).toBe(0);
  });

  it('a run already finished is skipped', async () => {
    const { run, runs, transactions } = setUp();
    const finished = runs.add({ trialId: 'trial-a4', criteriaVersion: 2, finished: true });

    const outcome = await run([finished.id]);

    expect(outcome).toEqual({ status: 'skipped', detail: { reason: 'runs finished or not found' } });
    expect(transactions.opened).toBe(0);
  });
});
