import type { INestApplicationContext } from '@nestjs/common';
import { TRIAL_TEMPLATES } from '@registry/domain';
import { JobName, QueueName, runScreeningJobId } from '@registry/jobs';
import { redisOptionsFromUrl } from '@registry/platform';
import { Job, Queue } from 'bullmq';
import Redis from 'ioredis';
import { enrolConsentedParticipant, createConsentDocument, tokyoToday } from '../support/cohort-fixture';
import { createTestSystem, startApi, startWorker, TestApi, TestSystem } from '../support/harness';
import { createIdentityFixture, identityEnv, IdentityFixture } from '../support/identity-fixture';
import { freePort, PrivateRedis } from '../support/private-redis';
import { acceptTrialSites } from '../support/trial-fixture';

const TB3 = TRIAL_TEMPLATES.find((t) => t.key === 'trailblazer-alz-3')!;

async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface OutboxState {
  id: string;
  topic: string;
  published: boolean;
  failed: boolean;
  attempts: number;
  last_error: string | null;
}

const outboxRows = (api: TestApi, where = 'true'): Promise<OutboxState[]> =>
  api.dataSource.query<OutboxState[]>(
    `SELECT id::text AS id, topic, published_at IS NOT NULL AS published, failed_at IS NOT NULL AS failed,
            publish_attempts AS attempts, last_error
       FROM outbox_event WHERE ${where} ORDER BY id`,
  );

describe('outbox relay: committed changes reach their job in one hop, exactly once, even across a Redis outage', () => {
  let redis: PrivateRedis;
  let system: TestSystem;
  let api: TestApi;
  let fixture: IdentityFixture;
  let participantId: string;
  let screeningQueue: Queue;
  const workers: INestApplicationContext[] = [];

  beforeAll(async () => {
    if (!PrivateRedis.available())
      throw new Error('redis-server is needed for this test: run scripts/ensure-services.sh');
    redis = new PrivateRedis(await freePort());
    await redis.start();
    system = await createTestSystem({ ...identityEnv, REDIS_URL: redis.url, OUTBOX_POLL_INTERVAL_MS: '100' });
    api = await startApi(system.config);
    fixture = await createIdentityFixture(api);
    participantId = await enrolConsentedParticipant(
      api,
      fixture,
      await createConsentDocument(api, fixture.admin),
    );
    // Two workers, as when the worker runs as several processes: each event must still be relayed once.
    workers.push(await startWorker(system.config), await startWorker(system.config));
    screeningQueue = new Queue(QueueName.Screening, {
      prefix: system.config.REDIS_KEY_PREFIX,
      // The test's own view of the queue retries every 100 ms: BullMQ's default backs off to 20 s, and after
      // a long outage (a loaded machine records the failed passes slowly) its first read after the restart
      // could come later than the wait for the re-screen allows.
      connection: { ...redisOptionsFromUrl(redis.url), retryStrategy: () => 100 },
    });
  });

  afterAll(async () => {
    await screeningQueue?.close();
    for (const worker of workers) await worker.close();
    await api?.close();
    await redis?.kill();
    await system?.shutdown();
  });

  const recordVisit = (total: number) =>
    api
      .http()
      .post(`/api/v1/participants/${participantId}/visits`)
      .set(fixture.coordinatorTokyo.auth)
      .send({ visitDate: tokyoToday(), assessments: [{ type: 'mmse', values: { total } }] })
      .expect(201);

  const allRelayed = async () =>
    (await outboxRows(api, 'published_at IS NULL AND failed_at IS NULL')).length === 0;

  const screenJobsOfParticipant = async (): Promise<Job[]> =>
    (await screeningQueue.getJobs(['completed', 'active', 'waiting', 'delayed', 'failed'])).filter(
      (job) => job.name === (JobName.ScreenParticipant as string) && job.data.participantId === participantId,
    );

  it('adds each event’s own job straight to its queue: no events queue in between', async () => {
    // The enrolment's own events may still be on their way (the workers started after it): a visit's event
    // that meets their screening job still waiting joins it (one job per participant at a time), and this
    // test would then see no job of its own.
    await waitFor(allRelayed, 'the enrolment’s events to be relayed');
    await waitFor(
      async () =>
        (await screeningQueue.getJobs(['active', 'waiting', 'delayed'])).every(
          (job) => job.data.participantId !== participantId,
        ),
      'the enrolment’s screening to finish',
    );
    const startedAt = Date.now();
    for (const total of [30, 29, 28]) await recordVisit(total);
    await waitFor(allRelayed, 'the relay');
    await waitFor(
      async () => (await screenJobsOfParticipant()).some((job) => job.timestamp >= startedAt),
      'the participant’s re-screen',
    );
    const rows = await outboxRows(api);
    expect(rows.every((row) => row.published && !row.failed && row.attempts === 0)).toBe(true);
    const keys = new Redis(redisOptionsFromUrl(redis.url));
    try {
      expect(await keys.keys(`${system.config.REDIS_KEY_PREFIX}:events:*`)).toEqual([]);
    } finally {
      keys.disconnect();
    }
  });

  it('keeps events recorded while Redis is down, records the failure on those rows only, and relays them when it returns', async () => {
    const before = (await outboxRows(api)).map((row) => row.id);
    await redis.kill();
    for (const total of [27, 26, 25]) await recordVisit(total); // the API still commits visits
    // Each failed pass records itself on the rows it tried; how soon depends on the machine's load.
    await waitFor(async () => {
      const rows = await outboxRows(api, 'published_at IS NULL');
      return rows.length === 3 && rows.every((row) => row.attempts > 0);
    }, 'the failed attempts to be recorded');
    const waiting = await outboxRows(api, 'published_at IS NULL');
    expect(waiting).toHaveLength(3);
    for (const row of waiting) {
      expect(row.attempts).toBeGreaterThan(0);
      expect(row.last_error).toBeTruthy();
      expect(row.failed).toBe(false); // Redis away is worth retrying: not set aside
    }
    // The rows published before the outage were not touched by its failures.
    const earlier = await outboxRows(api, `id = ANY('{${before.join(',')}}'::bigint[])`);
    expect(earlier.map((row) => [row.attempts, row.last_error])).toEqual(before.map(() => [0, null]));

    // Taken before Redis returns: no job can run while Redis is down, so any that finishes from here on ran
    // after the outage.
    const restartedAt = Date.now();
    await redis.start();
    await waitFor(allRelayed, 'the relay to catch up');
    // The participant is screened after the outage with the data recorded during it: by a job the relay adds
    // now, or by the one still waiting from before the outage (a job carries only the participant's id, and
    // the relay's add is folded into a waiting one by its deduplication id), which runs after the restart.
    await waitFor(
      async () => (await screenJobsOfParticipant()).some((job) => (job.finishedOn ?? 0) >= restartedAt),
      'the re-screen after the outage',
    );
  });

  it('sets an event of an unknown topic aside on its own row, and keeps relaying the others', async () => {
    await api.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO outbox_event (topic, aggregate_type, aggregate_id, payload)
         VALUES ('participant.archived', 'participant', $1, $2::jsonb),
                ('participant.changed', 'participant', $1, $2::jsonb)`,
        [participantId, JSON.stringify({ participantId, cause: 'test' })],
      );
    });
    await waitFor(
      async () => (await outboxRows(api, `topic = 'participant.archived'`))[0].failed,
      'the row set aside',
    );
    await waitFor(allRelayed, 'the relay');
    await recordVisit(24); // a later event still goes through
    await waitFor(allRelayed, 'the relay past the row set aside');
    await pause(300); // several more passes: the row set aside is not retried

    const [unknown] = await outboxRows(api, `topic = 'participant.archived'`);
    expect(unknown).toMatchObject({ published: false, failed: true, attempts: 1 });
    expect(unknown.last_error).toBe('no job handles the event topic "participant.archived"');
    const others = await outboxRows(api, `topic <> 'participant.archived' AND publish_attempts = 0`);
    expect(others.every((row) => row.published && !row.failed)).toBe(true);
    expect(await outboxRows(api, 'failed_at IS NOT NULL')).toHaveLength(1);
  });

  it('adds no second job for an event relayed again, and a handler backed by PostgreSQL does the work once', async () => {
    const created = await api
      .http()
      .post('/api/v1/trials')
      .set(fixture.sponsorAlpha.auth)
      .send({
        title: TB3.title,
        registryNumber: TB3.registryNumber,
        phase: TB3.phase,
        status: 'recruiting',
        siteIds: [fixture.sites.tokyo],
        targetEnrolment: 2000,
        criteria: TB3.criteria,
      })
      .expect(201);
    await acceptTrialSites(api, fixture.admin, created.body.id, [fixture.sites.tokyo]);
    const [run] = await api.dataSource.query<{ id: string }[]>(
      `SELECT id FROM screening_run WHERE trial_id = $1`,
      [created.body.id],
    );
    const runState = async () =>
      (
        await api.dataSource.query<{ done: number; finished_at: Date | null }[]>(
          `SELECT done, finished_at FROM screening_run WHERE id = $1`,
          [run.id],
        )
      )[0];
    await waitFor(async () => (await runState()).finished_at !== null, 'the run to finish');
    const finished = await runState();
    const jobId = runScreeningJobId([run.id]);
    const firstJob = (await screeningQueue.getJob(jobId))!;
    expect(firstJob.returnvalue).toMatchObject({ status: 'done' });

    // The worker died after adding the job but before committing published_at: the row is relayed again.
    const relayAgain = async () => {
      await api.dataSource.query(
        `UPDATE outbox_event SET published_at = NULL WHERE topic = 'trial.screening_requested' AND aggregate_id = $1`,
        [run.id],
      );
      await waitFor(allRelayed, 'the row relayed again');
    };
    await relayAgain();
    const jobsOfRun = async () =>
      (await screeningQueue.getJobs(['completed', 'active', 'waiting', 'delayed', 'failed'])).filter(
        (job) => job.name === (JobName.RunScreening as string) && job.data.runIds.includes(run.id),
      );
    expect((await jobsOfRun()).map((job) => [job.id, job.timestamp])).toEqual([[jobId, firstJob.timestamp]]);

    // Long after, BullMQ has forgotten the completed job: the job is added again, and the run's row stops it.
    await firstJob.remove();
    await relayAgain();
    await waitFor(
      async () => (await screeningQueue.getJob(jobId))?.finishedOn !== undefined,
      'the second job',
    );
    expect((await screeningQueue.getJob(jobId))!.returnvalue).toEqual({
      status: 'skipped',
      detail: { reason: 'runs finished or not found' },
    });
    expect(await runState()).toEqual(finished);
  });
});

describe('outbox relay: the LISTEN connection comes back after it drops', () => {
  let system: TestSystem;
  let api: TestApi;
  let fixture: IdentityFixture;
  let participantId: string;
  let worker: INestApplicationContext;

  beforeAll(async () => {
    // Polling once a minute: an event relayed within seconds was woken by NOTIFY, so by the LISTEN connection.
    system = await createTestSystem({ ...identityEnv, OUTBOX_POLL_INTERVAL_MS: '60000' });
    api = await startApi(system.config);
    fixture = await createIdentityFixture(api);
    participantId = await enrolConsentedParticipant(
      api,
      fixture,
      await createConsentDocument(api, fixture.admin),
    );
    worker = await startWorker(system.config);
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await system?.shutdown();
  });

  const listenerPids = async (): Promise<number[]> =>
    (
      await api.dataSource.query<{ pid: number }[]>(
        `SELECT pid FROM pg_stat_activity
          WHERE application_name = 'trialready-outbox-listener' AND datname = current_database()`,
      )
    ).map((row) => row.pid);

  const relayedWithinSeconds = async (total: number) => {
    await api
      .http()
      .post(`/api/v1/participants/${participantId}/visits`)
      .set(fixture.coordinatorTokyo.auth)
      .send({ visitDate: tokyoToday(), assessments: [{ type: 'mmse', values: { total } }] })
      .expect(201);
    await waitFor(
      async () => (await outboxRows(api, 'published_at IS NULL')).length === 0,
      'the event to be relayed on NOTIFY',
      5000,
    );
  };

  it('relays a new event promptly after its listening backend is terminated', async () => {
    await waitFor(async () => (await outboxRows(api, 'published_at IS NULL')).length === 0, 'the first pass');
    await relayedWithinSeconds(30);
    const [killed] = await listenerPids();
    expect(killed).toBeDefined();
    await api.dataSource.query(`SELECT pg_terminate_backend($1)`, [killed]);
    await waitFor(async () => {
      const pids = await listenerPids();
      return pids.length === 1 && pids[0] !== killed;
    }, 'a new listening connection');
    await relayedWithinSeconds(29);
  });
});
