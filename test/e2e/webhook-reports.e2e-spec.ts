import { createHmac } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplicationContext } from '@nestjs/common';
import { verifyWebhook, WebhookEventType } from '@registry/domain';
import { JOB_OPTIONS, JOB_SCHEDULES, JobName, QueueName } from '@registry/jobs';
import { FixedClock, redisOptionsFromUrl } from '@registry/platform';
import { Queue } from 'bullmq';
import { WebhookReportsService } from '../../apps/worker/src/webhooks/webhook-reports.service';
import {
  addDays,
  createConsentDocument,
  enrolConsentedParticipant,
  personInput,
  todayIn,
  tokyoToday,
} from '../support/cohort-fixture';
import { createTestSystem, startApi, startWorker, TestApi, TestSystem } from '../support/harness';
import { createIdentityFixture, identityEnv, IdentityFixture } from '../support/identity-fixture';
import { countsIn } from '../support/sponsor-answers';
import { acceptTrialSites } from '../support/trial-fixture';
import { waitFor } from '../support/wait-for';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: Date;
}

interface Message {
  id: string;
  type: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

/** Everyone 60 to 90 who may be recontacted and is in no other trial is eligible. */
const criteria = (maxAge: number) => ({
  language: 1,
  criteria: {
    type: 'all',
    of: [
      { type: 'age', min: 60, max: maxAge },
      { type: 'consent', scope: 'recontact_for_trials' },
      { type: 'not_in_other_trial' },
    ],
  },
});

const PEOPLE = 4;

/**
 * Issue 20: the two webhook events that report a trial's state, `trial.pool_changed` and `referral.outcome`.
 * Each trial is checked once a report day; an event goes out only when the published figures (after
 * disclosure control, the very numbers the API gives) differ from the last ones sent; a change that
 * disclosure control hides sends nothing.
 */
describe('daily webhook reports: a trial’s pool and referral funnel', () => {
  let system: TestSystem;
  let api: TestApi;
  let worker: INestApplicationContext;
  let reports: WebhookReportsService;
  let queue: Queue;
  let f: IdentityFixture;
  let server: Server;
  let secret = '';
  let trialId = '';
  const people: string[] = [];
  const received: Received[] = [];
  // The worker's clock: the report day turns at 06:00 UTC; tests move it a day at a time.
  const clock = new FixedClock(new Date());
  const nextDay = () => clock.set(new Date(clock.now().getTime() + 24 * 3600 * 1000));

  const messages = () => received.map((r) => JSON.parse(r.body) as Message);
  const messagesOf = (type: string) => messages().filter((m) => m.type === type);
  const deliveredCount = async () =>
    (
      await api.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM webhook_delivery WHERE event_type IN ('trial.pool_changed', 'referral.outcome')`,
      )
    )[0].n;

  beforeAll(async () => {
    system = await createTestSystem({
      ...identityEnv,
      OUTBOX_POLL_INTERVAL_MS: '100',
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      WEBHOOK_RETRY_BASE_MS: '200',
    });
    api = await startApi(system.config);
    worker = await startWorker(system.config, { clock });
    reports = worker.get(WebhookReportsService);
    queue = new Queue(QueueName.SponsorReports, {
      prefix: system.config.REDIS_KEY_PREFIX,
      connection: redisOptionsFromUrl(system.config.REDIS_URL),
    });
    f = await createIdentityFixture(api);
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          at: new Date(),
        });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;

    const documentId = await createConsentDocument(api, f.admin);
    for (let i = 0; i < PEOPLE; i++) {
      const id = await enrolConsentedParticipant(api, f, documentId, {
        identity: { ...personInput(f.sites.tokyo).identity, givenName: `Person${i}` },
      });
      await api
        .http()
        .post(`/api/v1/participants/${id}/status`)
        .set(f.coordinatorTokyo.auth)
        .send({ to: 'enrolled', effectiveDate: todayIn('Asia/Tokyo'), reason: 'Followed in the registry' })
        .expect(200);
      people.push(id);
    }
    const trial = await api
      .http()
      .post('/api/v1/trials')
      .set(f.sponsorAlpha.auth)
      .send({
        title: 'Reported prevention trial',
        registryNumber: 'NCT04468659',
        phase: '3',
        status: 'recruiting',
        siteIds: [f.sites.tokyo],
        targetEnrolment: 100,
        criteria: criteria(90),
      })
      .expect(201);
    trialId = trial.body.id as string;
    await acceptTrialSites(api, f.admin, trialId, [f.sites.tokyo]);
    await waitFor(
      () =>
        api.dataSource.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM eligibility_flag WHERE trial_id = $1 AND kind = 'eligible' AND closed_at IS NULL`,
          [trialId],
        ),
      (rows) => rows[0].n === PEOPLE,
      'everyone flagged eligible',
      60_000,
    );
    const endpoint = await api
      .http()
      .post('/api/v1/webhook-endpoints')
      .set(f.sponsorAlpha.auth)
      .send({
        url: `http://127.0.0.1:${port}/reports`,
        eventTypes: [WebhookEventType.PoolChanged, WebhookEventType.ReferralOutcome],
      })
      .expect(201);
    secret = endpoint.body.secret as string;
  }, 180_000);

  afterAll(async () => {
    await queue?.close();
    await worker?.close();
    await api?.close();
    await new Promise((resolve) => server?.close(resolve));
    await system?.shutdown();
  });

  it('the tick is scheduled, and the first check sends each event with the figures the API publishes', async () => {
    const tick = JOB_SCHEDULES.find((s) => s.job.name === JobName.TickWebhookReports)!;
    expect((await queue.getJobSchedulers()).map((s) => s.key)).toContain(tick.schedulerId);

    await queue.add(JobName.TickWebhookReports, {}, JOB_OPTIONS[JobName.TickWebhookReports]);
    await waitFor(
      () => Promise.resolve(received.length),
      (n) => n >= 2,
      'both reports delivered',
      60_000,
    );

    for (const r of received) {
      const signed = {
        'webhook-id': r.headers['webhook-id'] as string,
        'webhook-timestamp': r.headers['webhook-timestamp'] as string,
        'webhook-signature': r.headers['webhook-signature'] as string,
      };
      expect(verifyWebhook(signed, r.body, secret, r.at)).toEqual({ valid: true });
    }
    const [pool] = messagesOf('trial.pool_changed');
    const read = await api.http().get(`/api/v1/trials/${trialId}/pool`).set(f.sponsorAlpha.auth).expect(200);
    // The same numbers as the API's (one noise per count and question: two views could be averaged).
    expect(pool.data).toEqual({
      trialId,
      criteriaVersion: 1,
      asOf: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      counts: {
        eligible: read.body.pool.eligible.total,
        oneTestAway: read.body.pool.oneTestAway.total,
        undetermined: read.body.pool.undetermined.total,
        awaitingScreening: read.body.awaitingScreening,
      },
    });
    // Four eligible people: a small count, published as "<11", never as 4.
    expect(pool.data.counts).toMatchObject({ eligible: '<11' });

    const [funnel] = messagesOf('referral.outcome');
    const funnelRead = await api
      .http()
      .get(`/api/v1/trials/${trialId}/referral-funnel`)
      .set(f.sponsorAlpha.auth)
      .expect(200);
    const { disclosure: _disclosure, ...funnelFigures } = funnelRead.body as Record<string, unknown>;
    expect(funnel.data).toEqual(funnelFigures);
    expect(funnel.data.tokens).toEqual([]);

    for (const message of messages()) {
      // No count from 1 to 10 anywhere, and nothing that names a person.
      expect(countsIn(message.data).filter((n) => n >= 1 && n < 11)).toEqual([]);
      for (const id of people) expect(JSON.stringify(message)).not.toContain(id);
    }
    const audited = await api.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM audit_event WHERE action = 'webhook_report.sent' AND entity_id = $1`,
      [trialId],
    );
    expect(audited[0].n).toBe(2);
  }, 90_000);

  it('checks each trial once a report day: a second tick the same day sends nothing', async () => {
    expect(await reports.due()).toEqual([]);
    expect(await reports.check({ trialId, eventType: WebhookEventType.PoolChanged })).toBe('already_checked');
    expect(await deliveredCount()).toBe(2);
  });

  it('the next day, unchanged figures send nothing; a change hidden by disclosure control sends nothing', async () => {
    nextDay();
    expect((await reports.due()).map((key) => key.eventType).sort()).toEqual(
      [WebhookEventType.ReferralOutcome, WebhookEventType.PoolChanged].sort(),
    );
    expect(await reports.check({ trialId, eventType: WebhookEventType.PoolChanged })).toBe('unchanged');

    // One person fewer in the pool (no longer to be recontacted): 3 eligible instead of 4, both published as
    // "<11". The sponsor must not learn of it by an event.
    const consents = await api
      .http()
      .get(`/api/v1/participants/${people[3]}/consents`)
      .set(f.coordinatorTokyo.auth)
      .expect(200);
    await api
      .http()
      .post(
        `/api/v1/participants/${people[3]}/consents/${consents.body.consents[0].id as string}/withdrawals`,
      )
      .set(f.coordinatorTokyo.auth)
      .send({
        scopes: ['recontact_for_trials'],
        withdrawnOn: tokyoToday(),
        reason: 'no longer wishes to be approached',
      })
      .expect(201);
    await waitFor(
      () =>
        api.dataSource.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM eligibility_flag WHERE trial_id = $1 AND kind = 'eligible' AND closed_at IS NULL`,
          [trialId],
        ),
      (rows) => rows[0].n === PEOPLE - 1,
      'the withdrawn person’s flag closed',
      60_000,
    );
    nextDay();
    expect(await reports.check({ trialId, eventType: WebhookEventType.PoolChanged })).toBe('unchanged');
    expect(await deliveredCount()).toBe(2);
  }, 90_000);

  it('a referral booked for prescreening is reported the next report day, as counts and a per-trial token', async () => {
    const request = await api
      .http()
      .post(`/api/v1/trials/${trialId}/referral-requests`)
      .set(f.sponsorAlpha.auth)
      .send({ sites: [{ siteId: f.sites.tokyo, count: 2 }], dueOn: addDays(tokyoToday(), 30) })
      .expect(201);
    const contact = await api
      .http()
      .post(`/api/v1/referral-requests/${request.body[0].id as string}/contacts`)
      .set(f.coordinatorTokyo.auth)
      .send({ participantId: people[0] })
      .expect(201);
    for (const to of ['interested', 'prescreen_booked'])
      await api
        .http()
        .post(`/api/v1/referral-contacts/${contact.body.id as string}/transitions`)
        .set(f.coordinatorTokyo.auth)
        .send({ to })
        .expect(200);

    nextDay();
    expect(await reports.check({ trialId, eventType: WebhookEventType.ReferralOutcome })).toBe('sent');
    await waitFor(
      () => Promise.resolve(messagesOf('referral.outcome').length),
      (n) => n === 2,
      'the report',
      30_000,
    );
    const latest = messagesOf('referral.outcome')[1];
    const token = createHmac('sha256', system.config.REFERRAL_TOKEN_KEY)
      .update(`${trialId}\n${people[0]}`)
      .digest('hex');
    expect(latest.data.tokens).toEqual([{ token, previousToken: null }]);
    expect(latest.data).toMatchObject({ overall: { referred: '<11', booked: '<11' } });
    expect(JSON.stringify(latest)).not.toContain(people[0]);
    // The same day again: nothing more, though asked.
    expect(await reports.check({ trialId, eventType: WebhookEventType.ReferralOutcome })).toBe(
      'already_checked',
    );
  }, 90_000);

  it('a new criteria version is a changed pool: reported once its day comes, with the new version', async () => {
    await api
      .http()
      .put(`/api/v1/trials/${trialId}/criteria`)
      .set(f.sponsorAlpha.auth)
      .send({ criteria: criteria(95) })
      .expect(200);
    await waitFor(
      () =>
        api.dataSource.query<{ finished: boolean }[]>(
          `SELECT bool_and(finished_at IS NOT NULL) AS finished FROM screening_run WHERE trial_id = $1`,
          [trialId],
        ),
      (rows) => rows[0].finished,
      'the re-screen at version 2',
      60_000,
    );
    nextDay();
    // Two workers checking at once: the lock on the trial and event type lets one send, the other finds it done.
    const outcomes = await Promise.all([
      reports.check({ trialId, eventType: WebhookEventType.PoolChanged }),
      reports.check({ trialId, eventType: WebhookEventType.PoolChanged }),
    ]);
    expect(outcomes.sort()).toEqual(['already_checked', 'sent']);
    await waitFor(
      () => Promise.resolve(messagesOf('trial.pool_changed').length),
      (n) => n === 2,
      'the report',
      30_000,
    );
    expect(messagesOf('trial.pool_changed')[1].data).toMatchObject({ trialId, criteriaVersion: 2 });
  }, 90_000);
});
