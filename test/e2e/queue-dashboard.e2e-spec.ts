import { JobName, QueueName } from '@registry/jobs';
import { redisOptionsFromUrl } from '@registry/platform';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { createTestSystem, startApi, TestApi, TestSystem } from '../support/harness';
import { createIdentityFixture, identityEnv, IdentityFixture } from '../support/identity-fixture';

/** Issue 20: the queue dashboard (Bull Board) at /api/admin/queues, for admins only, and read-only. */
describe('queue dashboard', () => {
  let system: TestSystem;
  let api: TestApi;
  let f: IdentityFixture;
  let screening: Queue;
  const BOARD = '/api/admin/queues';

  beforeAll(async () => {
    system = await createTestSystem(identityEnv);
    api = await startApi(system.config);
    f = await createIdentityFixture(api);
    screening = new Queue(QueueName.Screening, {
      prefix: system.config.REDIS_KEY_PREFIX,
      connection: redisOptionsFromUrl(system.config.REDIS_URL),
    });
  });

  afterAll(async () => {
    await screening?.close();
    await api?.close();
    await system?.shutdown();
  });

  it('answers 401 without a token or with a bad one, in the API’s error shape', async () => {
    const res = await api.http().get(BOARD).expect(401);
    expect(res.body).toMatchObject({ statusCode: 401, requestId: expect.any(String) });
    await api.http().get(`${BOARD}/api/queues`).expect(401);
    await api.http().get(BOARD).set('Authorization', 'Bearer not.a.token').expect(401);
  });

  it('answers 403 to every role but admin', async () => {
    for (const login of [f.coordinatorTokyo, f.monitorTokyo, f.sponsorAlpha]) {
      const res = await api.http().get(BOARD).set(login.auth).expect(403);
      expect(res.body).toMatchObject({ statusCode: 403, code: expect.any(String) });
      await api.http().get(`${BOARD}/api/queues`).set(login.auth).expect(403);
    }
  });

  it('shows an admin the page and every queue with its jobs', async () => {
    const page = await api.http().get(BOARD).set(f.admin.auth).expect(200);
    expect(page.headers['content-type']).toContain('text/html');
    const job = await screening.add(JobName.ScreenParticipant, { participantId: randomUUID() });

    const res = await api
      .http()
      .get(`${BOARD}/api/queues`)
      .query({ activeQueue: 'screening' })
      .set(f.admin.auth);
    expect(res.status).toBe(200);
    const queues = res.body.queues as {
      name: string;
      readOnlyMode: boolean;
      counts: Record<string, number>;
    }[];
    expect(queues.map((queue) => queue.name).sort()).toEqual(Object.values(QueueName).sort());
    expect(queues.every((queue) => queue.readOnlyMode)).toBe(true);
    expect(queues.find((queue) => queue.name === 'screening')!.counts.waiting).toBe(1);

    // Read-only: a job cannot be removed (nor retried, promoted, cleaned or added) from the dashboard.
    const removal = await api.http().delete(`${BOARD}/api/queues/screening/${job.id}`).set(f.admin.auth);
    expect(removal.status).toBeGreaterThanOrEqual(400);
    expect(await screening.getJob(job.id!)).toBeDefined();
    expect(await screening.getWaitingCount()).toBe(1);
  });
});
