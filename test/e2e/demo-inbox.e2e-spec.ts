import { INestApplicationContext } from '@nestjs/common';
import { dayBegunEverywhere } from '@registry/domain';
import { JOB_OPTIONS, JOB_SCHEDULES, JobName, QueueName } from '@registry/jobs';
import { migrationDataSourceOptions } from '@registry/persistence';
import { redisOptionsFromUrl } from '@registry/platform';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { ensureDemoIdentity, ensureDemoTrials } from '../../apps/api/src/cli/demo-data';
import { writeSyntheticCohort } from '../../apps/api/src/cli/seed-writer';
import { createTestSystem, startApi, startWorker, TestApi, TestSystem } from '../support/harness';

/**
 * The README walkthrough's inbox: a demo cohort seeded as `npm run up` seeds it (smaller), the worker and
 * the API started, and the Tokyo coordinator's inbox holds visit reminders and flag notifications, in
 * Japanese (the site's language), without a step of their own: the worker's one-minute tick writes them
 * (the test rings it rather than wait for the minute, and sets the reminder time to midnight so that it
 * does not depend on the hour the test runs at).
 */
describe('demo: reminders in the coordinator inbox after seeding', () => {
  let system: TestSystem;
  let owner: DataSource;
  let worker: INestApplicationContext;
  let api: TestApi;
  let queue: Queue;

  beforeAll(async () => {
    system = await createTestSystem({ REMINDER_LOCAL_TIME: '00:00' });
    owner = new DataSource(
      migrationDataSourceOptions(
        { ...system.config, MIGRATION_DATABASE_URL: system.database.ownerUrl },
        'demo',
      ),
    );
    await owner.initialize();
    const { siteIds, sponsorId, ownerId } = await ensureDemoIdentity(owner, {
      password: 'demo-inbox-test-password',
      resetExistingPasswords: false,
    });
    await writeSyntheticCohort(owner, {
      participants: 200,
      seed: 42,
      siteIds,
      today: dayBegunEverywhere(new Date()),
      historyYears: 5,
      fingerprintKey: system.config.IDENTITY_FINGERPRINT_KEY,
    });
    await ensureDemoTrials(owner, siteIds, sponsorId, ownerId);
    worker = await startWorker(system.config);
    api = await startApi(system.config);
    queue = new Queue(QueueName.Notifications, {
      prefix: system.config.REDIS_KEY_PREFIX,
      connection: redisOptionsFromUrl(system.config.REDIS_URL),
    });
  }, 120_000);

  afterAll(async () => {
    await queue?.close();
    await api?.close();
    await worker?.close();
    await owner?.destroy();
    await system?.shutdown();
  });

  it('the reminder tick is scheduled every minute, and the inbox fills with reminders and flags', async () => {
    const tick = JOB_SCHEDULES.find((s) => s.job.name === JobName.TickReminders)!;
    expect((await queue.getJobSchedulers()).map((s) => s.key)).toContain(tick.schedulerId);

    const login = await api
      .http()
      .post('/api/v1/auth/login')
      .send({ email: 'coordinator.tky@demo.trialready.example', password: 'demo-inbox-test-password' })
      .expect(200);
    const auth = { Authorization: `Bearer ${login.body.accessToken as string}` };
    const kinds = new Set<string>();
    let body: { total: number; unread: number; items: { kind: string; language: string; subject: string }[] };
    const deadline = Date.now() + 90_000;
    do {
      await queue.add(JobName.TickReminders, {}, JOB_OPTIONS[JobName.TickReminders]);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      body = (await api.http().get('/api/v1/notifications?pageSize=200').set(auth).expect(200)).body;
      body.items.forEach((item) => kinds.add(item.kind));
    } while (!(kinds.has('eligible_flag') && kinds.has('visit_window_open')) && Date.now() < deadline);

    expect(kinds).toContain('eligible_flag');
    expect(kinds).toContain('visit_window_open');
    expect(body.unread).toBe(body.total);
    expect(new Set(body.items.map((item) => item.language))).toEqual(new Set(['ja']));
    // Only Tokyo's participants.
    const ids = await owner.query<{ participant_id: string; code: string }[]>(
      `SELECT DISTINCT n.participant_id, s.code FROM notification n JOIN participant p ON p.id = n.participant_id
         JOIN site s ON s.id = p.site_id JOIN app_user u ON u.id = n.recipient_id
        WHERE u.email = 'coordinator.tky@demo.trialready.example'`,
    );
    expect(new Set(ids.map((row) => row.code))).toEqual(new Set(['TKY']));
  }, 150_000);
});
