import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { deliverEventJobId, DeliverEventJobData, QueueName } from '@registry/jobs';
import { redisOptionsFromUrl } from '@registry/platform';
import { Queue } from 'bullmq';
import { EVENT_SUBSCRIBERS, EventSubscriber } from '../../apps/worker/src/events/event-subscribers';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { enrolConsentedParticipant, createConsentDocument, tokyoToday } from '../support/cohort-fixture';
import { createTestSystem, startApi, TestApi, TestSystem, testLogger } from '../support/harness';
import { createIdentityFixture, identityEnv, IdentityFixture } from '../support/identity-fixture';
import { freePort, PrivateRedis } from '../support/private-redis';

/** Records every event a worker delivers, to count deliveries per outbox row. */
class RecordingSubscriber implements EventSubscriber {
  readonly name = 'recorder';
  readonly topics = ['participant.changed'];
  readonly delivered: string[] = [];
  handle(event: DeliverEventJobData): Promise<void> {
    this.delivered.push(event.outboxId);
    return Promise.resolve();
  }
}

async function startRecordingWorker(
  system: TestSystem,
  recorder: RecordingSubscriber,
): Promise<INestApplicationContext> {
  const moduleRef = await Test.createTestingModule({ imports: [WorkerModule.forRoot(system.config)] })
    .overrideProvider(EVENT_SUBSCRIBERS)
    .useValue([recorder])
    .compile();
  moduleRef.useLogger(testLogger('worker'));
  await moduleRef.init();
  return moduleRef;
}

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

describe('outbox relay: committed changes reach the queue exactly once, even across a Redis outage', () => {
  let redis: PrivateRedis;
  let system: TestSystem;
  let api: TestApi;
  let fixture: IdentityFixture;
  let participantId: string;
  const recorder = new RecordingSubscriber();
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
    // Two workers, as when the worker runs as several processes: each event must still arrive once.
    workers.push(await startRecordingWorker(system, recorder), await startRecordingWorker(system, recorder));
  });

  afterAll(async () => {
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

  const outboxIds = async (where = 'true'): Promise<string[]> =>
    (
      await api.dataSource.query<{ id: string }[]>(
        `SELECT id::text AS id FROM outbox_event WHERE ${where} ORDER BY id`,
      )
    ).map((row) => row.id);

  it('delivers every event once while Redis is up', async () => {
    for (const total of [30, 29, 28]) await recordVisit(total);
    const all = await outboxIds();
    await waitFor(() => recorder.delivered.length >= all.length, 'the first deliveries');
    expect([...recorder.delivered].sort()).toEqual([...all].sort());
  });

  it('keeps events recorded while Redis is down, and delivers each once when it returns', async () => {
    await redis.kill();
    for (const total of [27, 26, 25]) await recordVisit(total); // the API still commits visits
    await new Promise((resolve) => setTimeout(resolve, 500));
    const waiting = await outboxIds('published_at IS NULL');
    expect(waiting).toHaveLength(3);
    const [{ attempts }] = await api.dataSource.query<{ attempts: number }[]>(
      `SELECT max(publish_attempts)::int AS attempts FROM outbox_event WHERE published_at IS NULL`,
    );
    expect(attempts).toBeGreaterThan(0);

    await redis.start();
    await waitFor(
      async () => (await outboxIds('published_at IS NULL')).length === 0,
      'the relay to catch up',
    );
    const all = await outboxIds();
    await waitFor(() => recorder.delivered.length >= all.length, 'the deliveries after the outage');
    await new Promise((resolve) => setTimeout(resolve, 300)); // room for a duplicate to show up, if any
    expect([...recorder.delivered].sort()).toEqual([...all].sort());

    const queue = new Queue(QueueName.Events, {
      prefix: system.config.REDIS_KEY_PREFIX,
      connection: redisOptionsFromUrl(redis.url),
    });
    try {
      for (const id of waiting) expect(await queue.getJob(deliverEventJobId(id))).toBeDefined();
    } finally {
      await queue.close();
    }
  });
});
