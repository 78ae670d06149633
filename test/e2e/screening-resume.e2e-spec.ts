import { TRIAL_TEMPLATES } from '@registry/domain';
import { writeSyntheticCohort } from '../../apps/api/src/cli/seed-writer';
import { tokyoToday } from '../support/cohort-fixture';
import { createTestSystem, startApi, TestApi, TestSystem } from '../support/harness';
import { secretsOf } from '../support/test-secrets';
import { createIdentityFixture, identityEnv, IdentityFixture } from '../support/identity-fixture';
import { acceptTrialSites } from '../support/trial-fixture';
import { RunningProcess, startProcess } from '../support/processes';

const TB3 = TRIAL_TEMPLATES.find((t) => t.key === 'trailblazer-alz-3')!;
const COHORT = 1200;

interface RunRow {
  done: number;
  total: number;
  finished_at: Date | null;
}

async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// A real worker process (dist/, built by `npm test` before this suite) is killed with SIGKILL in the middle
// of a cohort re-screen: no shutdown hook runs, its open transaction is rolled back by PostgreSQL and its
// job stalls. A second worker process picks the job up and finishes the run from the committed cursor.
describe('a cohort re-screen survives its worker being killed', () => {
  let system: TestSystem;
  let api: TestApi;
  let f: IdentityFixture;
  const workers: RunningProcess[] = [];

  beforeAll(async () => {
    system = await createTestSystem({
      ...identityEnv,
      // Small batches make the run long enough to interrupt; short locks make the stalled job come back quickly.
      SCREENING_BATCH_SIZE: '10',
      // More than the default two batches in flight: the kill may then leave several uncommitted.
      SCREENING_BATCHES_IN_FLIGHT: '3',
      WORKER_LOCK_DURATION_MS: '2000',
      WORKER_STALLED_INTERVAL_MS: '1000',
      OUTBOX_POLL_INTERVAL_MS: '100',
    });
    api = await startApi(system.config);
    f = await createIdentityFixture(api);
    await writeSyntheticCohort(api.dataSource, {
      participants: COHORT,
      seed: 11,
      siteIds: [f.sites.tokyo],
      today: tokyoToday(),
      historyYears: 4,
      fingerprintKey: system.config.IDENTITY_FINGERPRINT_KEY,
    });
  });

  afterAll(async () => {
    for (const worker of workers) worker.child.kill('SIGKILL');
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
      SCREENING_BATCH_SIZE: '10',
      // More than the default two batches in flight: the kill may then leave several uncommitted.
      SCREENING_BATCHES_IN_FLIGHT: '3',
      WORKER_LOCK_DURATION_MS: '2000',
      WORKER_STALLED_INTERVAL_MS: '1000',
      OUTBOX_POLL_INTERVAL_MS: '100',
    });
    workers.push(worker);
    return worker;
  };

  it('finishes the run with every participant evaluated once', async () => {
    const first = startWorkerProcess();
    await first.waitForLog((entry) => entry.msg === 'worker health listening');
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
          `SELECT done, total, finished_at FROM screening_run WHERE trial_id = $1`,
          [trialId],
        )
      )[0];

    const interrupted = await poll(
      run,
      (r) => r !== undefined && r.done >= COHORT / 4,
      'the run to be under way',
    );
    first.child.kill('SIGKILL');
    await first.exited;
    // A COMMIT the worker sent just before it died may still be completing in its server process; read the
    // cursor only once every server process of the dead worker has finished (the API's are idle).
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
    expect(atKill.finished_at).toBeNull();
    expect(atKill.done).toBeGreaterThanOrEqual(interrupted.done);
    expect(atKill.done).toBeLessThan(COHORT);

    const second = startWorkerProcess();
    const finished = await poll(run, (r) => r.finished_at !== null, 'the run to finish after the restart');
    expect(finished).toMatchObject({ done: COHORT, total: COHORT });

    // The second worker continued from the committed cursor rather than starting over.
    const resumed = await second.waitForLog(
      (entry) => entry.msg === 'job finished' && entry.job === 'run-screening',
    );
    expect((resumed.outcome as { screened: number }).screened).toBe(COHORT - atKill.done);

    // Every participant has exactly one determination and one history row for the trial: the batch in
    // flight when the worker died was rolled back whole and done again, never half-written or doubled.
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
  });
});
