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

const TB3 = TRIAL_TEMPLATES.find((t) => t.key === 'trailblazer-alz-3')!;
const COHORT = 800;
const PARTITIONS = 4;

// Small batches and partitions make the run long enough to interrupt and split it four ways; short locks
// make the dead worker's stalled jobs come back quickly.
const SCREENING_ENV = {
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

async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 90000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * A cohort run split into partitions, taken by three real worker processes (dist/, built before this suite):
 * the first takes the run, splits it and walks its partitions until it is killed with SIGKILL mid-partition;
 * two more take the stalled partition jobs and finish the run. Every participant is judged exactly once,
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
    const first = startWorkerProcess();
    await first.waitForLog((entry) => entry.msg === 'worker health listening');
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
    const run = async () =>
      (
        await api.dataSource.query<RunRow[]>(
          `SELECT id, done, total, finished_at FROM screening_run WHERE trial_id = $1`,
          [trialId],
        )
      )[0];
    const partitions = (runId: string) =>
      api.dataSource.query<PartitionRow[]>(
        `SELECT ordinal, cursor, screened, finished_at IS NOT NULL AS finished FROM screening_partition
          WHERE run_id = $1 ORDER BY ordinal`,
        [runId],
      );

    await poll(run, (r) => r !== undefined && r.done >= COHORT / 4, 'the run to be under way');
    first.child.kill('SIGKILL');
    await first.exited;
    // A COMMIT the worker sent just before it died may still be completing in its server process; read the
    // partitions only once every server process of the dead worker has finished (the API's are idle).
    await poll(
      async () =>
        (
          await api.dataSource.query<{ busy: number }[]>(
            `SELECT count(*)::int AS busy FROM pg_stat_activity
              WHERE datname = current_database() AND backend_type = 'client backend'
                AND pid <> pg_backend_pid() AND state <> 'idle'`,
          )
        )[0].busy,
      (busy) => busy === 0,
      "the killed worker's transactions to end",
    );
    const atKill = await run();
    const partitionsAtKill = await partitions(atKill.id);
    // Split four ways by participant id; the first worker was killed with partitions part-walked.
    expect(partitionsAtKill).toHaveLength(PARTITIONS);
    expect(atKill.finished_at).toBeNull();
    expect(partitionsAtKill.some((p) => !p.finished && p.cursor !== null)).toBe(true);
    // The run's progress is the sum of its partitions'.
    expect(atKill.done).toBe(partitionsAtKill.reduce((sum, p) => sum + p.screened, 0));
    expect(atKill.done).toBeLessThan(COHORT);

    // Two more workers take the stalled partition jobs, as they come back, side by side.
    const others = [startWorkerProcess(), startWorkerProcess()];
    const finished = await poll(run, (r) => r.finished_at !== null, 'the run to finish after the kill');
    expect(finished).toMatchObject({ done: COHORT, total: COHORT });
    const partitionsAtEnd = await partitions(atKill.id);
    expect(partitionsAtEnd.every((p) => p.finished)).toBe(true);
    // Bounds chosen from the participant ids: each partition held as many people.
    expect(partitionsAtEnd.map((p) => p.screened)).toEqual(Array(PARTITIONS).fill(COHORT / PARTITIONS));

    // Each partition not finished at the kill was finished once, by one of the two, from its committed
    // cursor: together they screened exactly the participants not screened before the kill.
    const resumed = others.flatMap(partitionJobsFinished).filter((job) => job.status === 'done');
    expect(resumed).toHaveLength(partitionsAtKill.filter((p) => !p.finished).length);
    expect(resumed.reduce((sum, job) => sum + job.screened!, 0)).toBe(COHORT - atKill.done);

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
      [atKill.id],
    );
    expect(announced).toBe(1);
  }, 180_000);
});
