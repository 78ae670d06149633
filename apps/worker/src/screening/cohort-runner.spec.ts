import { Environment } from '@registry/config';
import { ParticipantProfile, TRIAL_TEMPLATES } from '@registry/domain';
import { FixedClock, SiteCalendar } from '@registry/platform';
import { baseProfile } from '../../../../libs/domain/src/eligibility/test-profiles';
import {
  FakeDeterminationRepository,
  FakeScreeningRepository,
  FakeScreeningRunRepository,
  FakeTransactions,
  FakeWebhookRepository,
  isTransaction,
} from '../../../../test/fakes';
import { CohortRunner, PartitionMovedError } from './cohort-runner';
import { ScreeningService } from './screening.service';

const TOKYO = 'site-tokyo';
const BOSTON = 'site-boston';
const A4 = TRIAL_TEMPLATES.find((t) => t.key === 'a4')!;

function setUp(settings: Partial<Environment> = {}) {
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
    ...settings,
  });
  // Noon in Tokyo.
  const clock = new FixedClock('2026-06-01T03:00:00Z');
  const screening = new ScreeningService(transactions, reads, determinations, new SiteCalendar(clock));
  const webhooks = new FakeWebhookRepository();
  const runner = new CohortRunner(screening, transactions, runs, reads, webhooks, clock, config);
  const enrol = (participantId: string, siteId = TOKYO, birthDate?: string) => {
    const profile: ParticipantProfile = baseProfile({ participantId, ...(birthDate ? { birthDate } : {}) });
    reads.participants.set(participantId, { profile, siteId });
    return participantId;
  };
  const progress: string[] = [];
  /** The partition jobs each run's job queued, in order. */
  const queued: string[][] = [];
  const run = (runIds: string[]) =>
    runner.run(
      runIds,
      ({ cursor }) => Promise.resolve(progress.push(cursor)),
      (partitionIds) => Promise.resolve(queued.push(partitionIds)),
    );
  const runPartition = (runIds: string[], partitionId: string) =>
    runner.runPartition(runIds, partitionId, ({ cursor }) => Promise.resolve(progress.push(cursor)));
  return {
    runner,
    run,
    runPartition,
    queued,
    runs,
    reads,
    determinations,
    transactions,
    enrol,
    progress,
    clock,
    webhooks,
  };
}

const screenedIds = (determinations: FakeDeterminationRepository) =>
  [...determinations.determinations.values()].map((d) => d.participantId).sort();

describe('CohortRunner', () => {
  it('screens the trial’s cohort in batches, each with its cursor in the same transaction, and finishes the run', async () => {
    const { run, runs, determinations, transactions, enrol, progress, queued } = setUp();
    const ids = ['P1', 'P2', 'P3', 'P4', 'P5'].map((id) => enrol(id));
    const started = runs.add({ trialId: 'trial-a4', criteriaVersion: 2, total: 5 });

    const outcome = await run([started.id]);

    expect(outcome).toEqual({ status: 'done', detail: { screened: 5, runs: 1 } });
    expect(screenedIds(determinations)).toEqual(ids);
    expect(runs.advances.map((a) => a.batch.cursor)).toEqual(['P2', 'P4', 'P5']);
    // One partition (made outside any transaction), walked by this job: nothing queued. One transaction per
    // batch, and the one that ends the run (with its webhook event, if any), as before partitions.
    expect(queued).toEqual([]);
    expect(transactions.opened).toBe(4);
    // Each batch's cursor moves in a transaction of its own, the one that wrote the batch's determinations.
    expect(new Set(runs.advances.map((a) => a.tx)).size).toBe(3);
    expect(runs.advances.every((a) => isTransaction(a.tx))).toBe(true);
    expect(progress).toEqual(['P2', 'P4', 'P5']);
    expect(started).toMatchObject({ finished: true, done: 5 });
    expect([...runs.partitions.values()]).toMatchObject([
      { runId: started.id, afterId: null, throughId: null, cursor: 'P5', finished: true, screened: 5 },
    ]);
  });

  it('tells the trial’s sponsor organisation by webhook that a criteria change’s run finished, once', async () => {
    const { run, runs, enrol, webhooks, transactions } = setUp();
    enrol('P1');
    webhooks.organisationOfTrial.set('trial-a4', 'organisation-alpha');
    const started = runs.add({
      trialId: 'trial-a4',
      criteriaVersion: 2,
      total: 1,
      cause: 'criteria_changed',
    });

    await run([started.id]);
    await run([started.id]); // a retried job finds the run finished

    expect(webhooks.published).toEqual([
      {
        organisationId: 'organisation-alpha',
        type: 'screening_run.finished',
        occurredAt: new Date('2026-06-01T03:00:00Z'),
        data: { trialId: 'trial-a4', criteriaVersion: 2, cause: 'criteria_changed', runId: started.id },
      },
    ]);
    // Published in the transaction that ended the run (the batch's, then this one).
    expect(transactions.opened).toBe(2);
  });

  it('a site’s daily re-screen finishing is not announced to sponsors', async () => {
    const { run, runs, enrol, webhooks } = setUp();
    enrol('P1', BOSTON);
    const daily = runs.add({
      trialId: 'trial-a4',
      criteriaVersion: 2,
      siteId: BOSTON,
      dailyRescreenId: 'daily-1',
      total: 1,
    });

    await run([daily.id]);

    expect(daily.finished).toBe(true);
    expect(webhooks.published).toEqual([]);
  });

  it('a run resumed after a crash continues after its committed cursor and screens no one twice', async () => {
    const { run, runs, determinations, enrol } = setUp();
    ['P1', 'P2', 'P3', 'P4', 'P5'].forEach((id) => enrol(id));
    const resumed = runs.add({ trialId: 'trial-a4', criteriaVersion: 2, total: 5, done: 2 });
    runs.addPartition({ runId: resumed.id, ordinal: 0, cursor: 'P2' });

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

  describe('a run larger than SCREENING_PARTITION_SIZE, split into partitions', () => {
    const split = () => {
      // 7 participants, 2 per partition wanted, at most 3 partitions: 3, of 3, 2 and 2 participants.
      const setup = setUp({ SCREENING_PARTITION_SIZE: 2, SCREENING_PARTITIONS: 3 });
      ['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7'].forEach((id) => setup.enrol(id));
      setup.webhooks.organisationOfTrial.set('trial-a4', 'organisation-alpha');
      const started = setup.runs.add({ trialId: 'trial-a4', criteriaVersion: 2, total: 7 });
      return { ...setup, started };
    };

    it('its job splits it by participant id into ranges of about as many people, queues one job each and screens no one', async () => {
      const { run, runs, queued, started, determinations } = split();

      const outcome = await run([started.id]);

      const partitions = [...runs.partitions.values()].sort((a, b) => a.ordinal - b.ordinal);
      expect(partitions.map(({ ordinal, afterId, throughId }) => ({ ordinal, afterId, throughId }))).toEqual([
        { ordinal: 0, afterId: null, throughId: 'P3' },
        { ordinal: 1, afterId: 'P3', throughId: 'P5' },
        { ordinal: 2, afterId: 'P5', throughId: null },
      ]);
      expect(queued).toEqual([partitions.map((p) => p.id)]);
      expect(outcome).toEqual({ status: 'done', detail: { partitions: 3, queued: 3, runs: 1 } });
      expect(determinations.determinations.size).toBe(0);
      expect(started.finished).toBe(false);
    });

    it('a retried run job splits nothing again and queues only the partitions not finished', async () => {
      const { run, runs, queued, started, runPartition } = split();
      await run([started.id]);
      const [first, ...rest] = queued[0];
      await runPartition([started.id], first);

      await run([started.id]);

      expect(runs.partitions.size).toBe(3);
      expect(queued[1]).toEqual(rest);
    });

    it('each partition screens its range only, the run’s progress is their sum, and the last to finish ends the run and announces it once', async () => {
      const { run, runs, queued, started, runPartition, determinations, webhooks } = split();
      await run([started.id]);
      const [p0, p1, p2] = queued[0];

      // In any order, as workers take them.
      const outcomes = [await runPartition([started.id], p2), await runPartition([started.id], p0)];
      expect(started).toMatchObject({ finished: false, done: 5 });
      expect(webhooks.published).toEqual([]);
      outcomes.push(await runPartition([started.id], p1));

      expect(outcomes.map((o) => o.detail)).toEqual([
        { screened: 2, partition: 2, runs: 1 },
        { screened: 3, partition: 0, runs: 1 },
        { screened: 2, partition: 1, runs: 1 },
      ]);
      expect(screenedIds(determinations)).toEqual(['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7']);
      // Every batch's range, across partitions: each participant once.
      expect(runs.advances.map((a) => [a.batch.from, a.batch.cursor])).toEqual([
        [null, 'P7'],
        [null, 'P2'],
        ['P2', 'P3'],
        [null, 'P5'],
      ]);
      expect(started).toMatchObject({ finished: true, done: 7 });
      expect(webhooks.published).toHaveLength(1);
      // The partition that ended the run did so with the runs locked in its own transaction.
      expect(runs.runLocks.at(-1)!.runIds).toEqual([started.id]);
    });

    it('a partition job retried after its partition finished is skipped and ends nothing again', async () => {
      const { run, queued, started, runPartition, webhooks, transactions } = split();
      await run([started.id]);
      for (const id of queued[0]) await runPartition([started.id], id);
      const opened = transactions.opened;

      // The run has finished: a retry finds nothing to walk. A partition of a run still going is skipped too.
      expect(await runPartition([started.id], queued[0][0])).toMatchObject({ status: 'skipped' });
      expect(transactions.opened).toBe(opened);
      expect(webhooks.published).toHaveLength(1);
    });

    it('a partition resumed after a crash continues after its committed cursor within its range', async () => {
      const { run, runs, queued, started, runPartition, determinations } = split();
      await run([started.id]);
      const middle = runs.partitions.get(queued[0][1])!;
      middle.cursor = 'P4';

      expect(await runPartition([started.id], middle.id)).toMatchObject({ detail: { screened: 1 } });
      expect(screenedIds(determinations)).toEqual(['P5']);
    });

    it('a batch that finds its partition’s cursor moved by another job is rolled back: the job fails', async () => {
      const { run, runs, queued, started, runPartition } = split();
      await run([started.id]);
      const first = runs.partitions.get(queued[0][0])!;
      // Another job committed a batch of this partition after this job read it.
      const read = runs.partition.bind(runs);
      runs.partition = async (tx, id) => {
        const partition = await read(tx, id);
        first.cursor = 'P1';
        return partition;
      };

      await expect(runPartition([started.id], first.id)).rejects.toThrow(PartitionMovedError);
      expect(runs.advances).toEqual([]);
      expect(started).toMatchObject({ finished: false, done: 0 });
    });
  });

  describe('a site’s daily re-screen walks only the participants whom time may have changed', () => {
    /** Tokyo's participants screened on 2026-06-01 by a run over every site, as a criteria change does. */
    const screenedFirst = async () => {
      const setup = setUp();
      // 65 on 2026-07-01; the 70-year-old's tests of 2026-05-01 leave A4's 90-day window on 2026-07-31.
      setup.enrol('P1', TOKYO, '1961-07-01');
      setup.enrol('P2', TOKYO);
      const everyone = setup.runs.add({ trialId: 'trial-a4', criteriaVersion: 2, total: 2 });
      await setup.run([everyone.id]);
      return setup;
    };
    const dailyRun = (setup: ReturnType<typeof setUp>) =>
      setup.runs.add({
        trialId: 'trial-a4',
        criteriaVersion: 2,
        siteId: TOKYO,
        dailyRescreenId: 'daily-tokyo',
        total: 1,
      });

    it('on a day no one’s determination can have changed, it walks no one', async () => {
      const setup = await screenedFirst();
      setup.clock.set('2026-06-30T03:00:00Z');
      const before = setup.determinations.writes.storeDeterminations;

      const outcome = await setup.run([dailyRun(setup).id]);

      expect(outcome).toEqual({ status: 'done', detail: { screened: 0, runs: 1 } });
      expect(setup.determinations.writes.storeDeterminations).toBe(before);
    });

    it('on a 65th birthday it walks her alone, and judges her on that day', async () => {
      const setup = await screenedFirst();
      setup.clock.set('2026-07-01T03:00:00Z');

      const outcome = await setup.run([dailyRun(setup).id]);

      expect(outcome).toEqual({ status: 'done', detail: { screened: 1, runs: 1 } });
      expect(setup.determinations.determinationOf('P1', 'trial-a4')).toMatchObject({
        asOf: '2026-07-01',
        changesWithTimeOn: '2026-07-31',
      });
      expect(setup.determinations.determinationOf('P2', 'trial-a4')).toMatchObject({ asOf: '2026-06-01' });
    });

    it('a run that is not a daily re-screen still walks everyone', async () => {
      const setup = await screenedFirst();
      setup.clock.set('2026-06-30T03:00:00Z');
      const bySite = setup.runs.add({ trialId: 'trial-a4', criteriaVersion: 2, siteId: TOKYO, total: 2 });

      expect(await setup.run([bySite.id])).toEqual({ status: 'done', detail: { screened: 2, runs: 1 } });
    });
  });
});
