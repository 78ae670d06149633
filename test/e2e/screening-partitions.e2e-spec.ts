import { TRIAL_TEMPLATES } from '@registry/domain';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeSyntheticCohort } from '../../apps/api/src/cli/seed-writer';
import { tokyoToday } from '../support/cohort-fixture';
import { createTestSystem, startApi, TestApi, TestSystem } from '../support/harness';
import { secretsOf } from '../support/test-secrets';
import { createIdentityFixture, identityEnv, IdentityFixture } from '../support/identity-fixture';
import { acceptTrialSites } from '../support/trial-fixture';
import { RunningProcess, startProcess } from '../support/processes';
import { waitFor } from '../support/wait-for';

const TB3 = TRIAL_TEMPLATES.find((t) => t.key === 'trailblazer-alz-3')!;
const COHORT = 800;
const PARTITIONS = 4;

// Small batches and partitions make the run long enough to interrupt and split it four ways; one screening
// job at a time per worker spreads the partitions over the workers; short locks make the dead worker's
// stalled job come back quickly.
const SCREENING_ENV = {
  WORKER_SCREENING_CONCURRENCY: '1',
  SCREENING_BATCH_SIZE: '10',
  SCREENING_BATCHES_IN_FLIGHT: '2',
  SCREENING_PARTITION_SIZE: String(COHORT / PARTITIONS),
  SCREENING_PARTITIONS: String(PARTITIONS),
  WORKER_LOCK_DURATION_MS: '2000',
  WORKER_STALLED_INTERVAL_MS: '1000',
  OUTBOX_POLL_INTERVAL_MS: '100',
  WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
};

interface RunRow {
  id: string;
  done: number;
  total: number;
  finished_at: Date | null;
}

interface PartitionRow {
  ordinal: number;
  cursor: string | null;
  screened: number;
  finished: boolean;
}

/** Often enough to see a run under way before its partitions finish. */
const poll = <T>(read: () => Promise<T>, done: (value: T) => boolean, what: string) =>
  waitFor(read, done, what, 90_000, 10);

/**
 * A cohort run split into four partitions, shared by three real worker processes (dist/, built before this
 * suite), one partition each at a time; one of them is killed with SIGKILL mid-partition, and the other two
 * finish the run, its stalled partition from the committed cursor. Every participant is judged exactly once,
 * the run's progress is the sum of its partitions', and the run ends and is announced exactly once.
 */
describe('a cohort run split into partitions, shared by several workers, survives one being killed', () => {
  let system: TestSystem;
  let api: TestApi;
  let f: IdentityFixture;
  let receiver: Server;
  const workers: RunningProcess[] = [];

  beforeAll(async () => {
    system = await createTestSystem({ ...identityEnv, ...SCREENING_ENV });
    api = await startApi(system.config);
    f = await createIdentityFixture(api);
    receiver = createServer((request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(200).end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    await writeSyntheticCohort(api.dataSource, {
      participants: COHORT,
      seed: 12,
      siteIds: [f.sites.tokyo],
      today: tokyoToday(),
      historyYears: 4,
      fingerprintKey: system.config.IDENTITY_FINGERPRINT_KEY,
    });
  }, 120_000);

  afterAll(async () => {
    for (const worker of workers) worker.child.kill('SIGKILL');
    await new Promise((resolve) => receiver?.close(resolve));
    await api?.close();
    await system?.shutdown();
  });

  const startWorkerProcess = () => {
    const worker = startProcess('dist/apps/worker/src/main.js', {
      DATABASE_URL: system.config.DATABASE_URL,
      ...secretsOf(process.env),
      REDIS_URL: system.config.REDIS_URL,
      REDIS_KEY_PREFIX: system.config.REDIS_KEY_PREFIX,
      WORKER_HEALTH_PORT: '0',
      LOG_LEVEL: 'info',
      ...SCREENING_ENV,
    });
    workers.push(worker);
    return worker;
  };

  /** The outcomes of the partition jobs a worker finished, as it logged them. */
  const partitionJobsFinished = (worker: RunningProcess) =>
    worker
      .output()
      .split('\n')
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      })
      .filter((entry) => entry.msg === 'job finished' && entry.job === 'run-screening-partition')
      .map((entry) => ({ status: entry.status, ...(entry.outcome as { screened?: number }) }));

  it('finishes the run with every participant judged once, ended and announced once', async () => {
    const [killed, ...others] = [startWorkerProcess(), startWorkerProcess(), startWorkerProcess()];
    for (const worker of [killed, ...others])
      // Three processes start at once on a 2-core machine: allow more than the default 20 s.
      await worker.waitForLog((entry) => entry.msg === 'worker health listening', 60_000);
    const { port } = receiver.address() as AddressInfo;
    await api
      .http()
      .post('/api/v1/webhook-endpoints')
      .set(f.sponsorAlpha.auth)
      .send({ url: `http://127.0.0.1:${port}/registry-hook`, eventTypes: ['screening_run.finished'] })
      .expect(201);
    const created = await api
      .http()
      .post('/api/v1/trials')
      .set(f.sponsorAlpha.auth)
      .send({
        title: TB3.title,
        registryNumber: TB3.registryNumber,
        phase: TB3.phase,
        status: 'recruiting',
        siteIds: [f.sites.tokyo],
        targetEnrolment: 500,
        criteria: TB3.criteria,
      })
      .expect(201);
    const trialId = created.body.id as string;
    await acceptTrialSites(api, f.admin, trialId, [f.sites.tokyo]);
    // The run's progress and its partitions' read by one statement, so from one snapshot.
    const run = async () =>
      (
        await api.dataSource.query<(RunRow & { partitioned: number | null })[]>(
          `SELECT r.id, r.done, r.total, r.finished_at,
                  (SELECT sum(p.screened)::int FROM screening_partition p WHERE p.run_id = r.id) AS partitioned
             FROM screening_run r WHERE r.trial_id = $1`,
          [trialId],
        )
      )[0];
    const partitions = (runId: string) =>
      api.dataSource.query<PartitionRow[]>(
        `SELECT ordinal, cursor, screened, finished_at IS NOT NULL AS finished FROM screening_partition
          WHERE run_id = $1 ORDER BY ordinal`,
        [runId],
      );

    // Three workers walk a partition each (the fourth waits for one of them): a quarter of the cohort done
    // is a third of a partition each, so the worker killed now is mid-partition.
    const underWay = await poll(
      run,
      (r) => r !== undefined && r.done >= COHORT / 4,
      'the run to be under way',
    );
    killed.child.kill('SIGKILL');
    await killed.exited;
    // The run's progress is the sum of its partitions'.
    expect(underWay.done).toBe(underWay.partitioned);
    expect(underWay.done).toBeLessThan(COHORT);
    expect(await partitions(underWay.id)).toHaveLength(PARTITIONS);

    const finished = await poll(run, (r) => r.finished_at !== null, 'the run to finish after the kill');
    expect(finished).toMatchObject({ done: COHORT, total: COHORT, partitioned: COHORT });
    const partitionsAtEnd = await partitions(underWay.id);
    expect(partitionsAtEnd.every((p) => p.finished)).toBe(true);
    // Bounds chosen from the participant ids: each partition held as many people, and each was judged
    // once (a partition walked again from its start, or a batch committed twice, would count more).
    expect(partitionsAtEnd.map((p) => p.screened)).toEqual(Array(PARTITIONS).fill(COHORT / PARTITIONS));

    // The killed worker finished no partition; the two others finished all four between them, each some,
    // the killed one's from its committed cursor: together they screened fewer than the whole cohort.
    expect(partitionJobsFinished(killed)).toEqual([]);
    // A job's outcome is logged just after its last commit: the run can be seen finished in the database a
    // moment before the survivors have logged the last partition job.
    await poll(
      () => Promise.resolve(others.flatMap((worker) => partitionJobsFinished(worker)).length),
      (logged) => logged >= PARTITIONS,
      'the survivors to log every partition job',
    );
    const byOthers = others.map((worker) =>
      partitionJobsFinished(worker).filter((job) => job.status === 'done'),
    );
    expect(byOthers.map((jobs) => jobs.length > 0)).toEqual([true, true]);
    expect(byOthers.flat()).toHaveLength(PARTITIONS);
    const screenedByOthers = byOthers.flat().reduce((sum, job) => sum + job.screened!, 0);
    expect(screenedByOthers).toBeLessThan(COHORT);
    expect(screenedByOthers).toBeGreaterThan(COHORT - COHORT / PARTITIONS);

    // Every participant has exactly one determination and one history row for the trial: the batches in
    // flight when the worker died were rolled back whole and done again, never half-written or doubled.
    const [counts] = await api.dataSource.query<
      { participants: number; determinations: number; history: number; per_participant_max: number }[]
    >(
      `SELECT (SELECT count(*)::int FROM participant) AS participants,
              (SELECT count(*)::int FROM eligibility_determination WHERE trial_id = $1) AS determinations,
              (SELECT count(*)::int FROM eligibility_determination_history WHERE trial_id = $1) AS history,
              (SELECT coalesce(max(n), 0)::int FROM (SELECT count(*) AS n FROM eligibility_determination_history
                                                      WHERE trial_id = $1 GROUP BY participant_id) c) AS per_participant_max`,
      [trialId],
    );
    expect(counts).toEqual({
      participants: COHORT,
      determinations: COHORT,
      history: COHORT,
      per_participant_max: 1,
    });

    // The run ended once: one `screening_run.finished` message for it, whichever partition finished last.
    const [{ announced }] = await api.dataSource.query<{ announced: number }[]>(
      `SELECT count(*)::int AS announced FROM webhook_delivery
        WHERE event_type = 'screening_run.finished' AND (body::json -> 'data' ->> 'runId') = $1`,
      [underWay.id],
    );
    expect(announced).toBe(1);
  }, 180_000);
});
