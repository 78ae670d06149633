import type { INestApplicationContext } from '@nestjs/common';
import { TRIAL_TEMPLATES, verifyWebhook } from '@registry/domain';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestSystem, startApi, startWorker, TestApi, TestSystem } from '../support/harness';
import { createIdentityFixture, identityEnv, IdentityFixture } from '../support/identity-fixture';
import { createRecruitingTrial } from '../support/trial-fixture';
import { waitFor } from '../support/wait-for';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
  at: Date;
}

/** A sponsor's receiver on 127.0.0.1: answers 500 to the first `failFirst` requests, then 200. */
async function startReceiver(
  failFirst: number,
): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  let failures = failFirst;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const status = failures > 0 ? 500 : 200;
      if (failures > 0) failures -= 1;
      received.push({
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        status,
        at: new Date(),
      });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/registry-hook`, received };
}

const headerOf = (headers: IncomingHttpHeaders, name: string) => headers[name] as string | undefined;
const signed = (r: Received) => ({
  'webhook-id': headerOf(r.headers, 'webhook-id'),
  'webhook-timestamp': headerOf(r.headers, 'webhook-timestamp'),
  'webhook-signature': headerOf(r.headers, 'webhook-signature'),
});
const runIdOf = (r: Received) => (JSON.parse(r.body) as { data: { runId: string } }).data.runId;

describe('webhooks for sponsor organisations', () => {
  let system: TestSystem;
  let api: TestApi;
  let worker: INestApplicationContext;
  let f: IdentityFixture;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let firstSecret = '';

  beforeAll(async () => {
    system = await createTestSystem({
      ...identityEnv,
      OUTBOX_POLL_INTERVAL_MS: '100',
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      WEBHOOK_RETRY_BASE_MS: '200',
      WEBHOOK_TIMEOUT_MS: '3000',
    });
    api = await startApi(system.config);
    worker = await startWorker(system.config);
    f = await createIdentityFixture(api);
    receiver = await startReceiver(3);
  }, 120_000);

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await new Promise((resolve) => receiver?.server.close(resolve));
    await system?.shutdown();
  });

  const register = (url: string, eventTypes: string[] = ['screening_run.finished'], login = f.sponsorAlpha) =>
    api.http().post('/api/v1/webhook-endpoints').set(login.auth).send({ url, eventTypes });

  it('refuses endpoints the registry must not call, naming the field and the rule', async () => {
    const refusals = await Promise.all([
      register('https://10.0.0.1/hook'),
      register('https://169.254.169.254/latest/meta-data'),
      register('https://localhost/hook'),
      register('https://[::1]/hook'),
      register('http://hooks.example.com/hook'),
      register('https://hooks.example.com/hook', ['pool.everything']),
    ]);
    expect(refusals.map((res) => res.status)).toEqual([400, 400, 400, 400, 400, 400]);
    const rules = refusals.map((res) => (res.body.details as { field: string; message: string }[])[0]);
    expect(rules[0]).toEqual({
      field: 'url',
      constraint: 'webhookEndpoint',
      message: expect.stringContaining('private'),
    });
    expect(rules[1].message).toMatch(/private or reserved/);
    expect(rules[2].message).toMatch(/must not resolve to/);
    expect(rules[3].message).toMatch(/loopback/);
    expect(rules[4].message).toBe('url must use https');
    expect(rules[5].field).toMatch(/^eventTypes/);
    // Only sponsors register endpoints.
    const coordinator = await api
      .http()
      .post('/api/v1/webhook-endpoints')
      .set(f.coordinatorTokyo.auth)
      .send({ url: receiver.url, eventTypes: ['screening_run.finished'] });
    expect(coordinator.status).toBe(403);
  });

  it('a receiver failing the first three attempts gets each message exactly once, in order, signed', async () => {
    const created = await register(receiver.url);
    expect(created.status).toBe(201);
    const secret = created.body.secret as string;
    firstSecret = secret;
    expect(secret).toMatch(/^whsec_/);
    // The secret is shown once: never in the list.
    const listed = await api.http().get('/api/v1/webhook-endpoints').set(f.sponsorAlpha.auth).expect(200);
    expect(listed.text).not.toContain(secret.slice(6));

    const trialId = await createRecruitingTrial(
      api,
      { sponsor: f.sponsorAlpha, admin: f.admin },
      TRIAL_TEMPLATES[0],
      [f.sites.tokyo],
    );
    // The first run's message is being retried when the second is created.
    await waitFor(() => Promise.resolve(receiver.received.length >= 1), Boolean, 'the first attempt', 30_000);
    const second = await api
      .http()
      .put(`/api/v1/trials/${trialId}/criteria`)
      .set(f.sponsorAlpha.auth)
      .send({ criteria: TRIAL_TEMPLATES[0].criteria })
      .expect(200);

    await waitFor(
      () => Promise.resolve(receiver.received.filter((r) => r.status === 200).length >= 2),
      Boolean,
      'two messages delivered',
      60_000,
    );

    const statuses = receiver.received.map((r) => r.status);
    expect(statuses).toEqual([500, 500, 500, 200, 200]);
    const delivered = receiver.received.filter((r) => r.status === 200);
    expect(delivered.map(runIdOf)[1]).toBe(second.body.screeningRunId);
    // Every attempt of the first message has one id; the second message has its own.
    expect(new Set(receiver.received.slice(0, 4).map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(delivered[0].headers['webhook-id']).not.toBe(delivered[1].headers['webhook-id']);
    for (const r of receiver.received)
      expect(verifyWebhook(signed(r), r.body, secret, r.at)).toEqual({ valid: true });
    // A tampered body does not verify.
    expect(
      verifyWebhook(signed(delivered[0]), delivered[0].body.replace('"', "'"), secret, delivered[0].at).valid,
    ).toBe(false);
    // No count and nothing about a person in a run's message.
    expect(JSON.parse(delivered[0].body)).toEqual({
      id: delivered[0].headers['webhook-id'],
      type: 'screening_run.finished',
      occurredAt: expect.any(String),
      data: { trialId, criteriaVersion: 1, cause: expect.any(String), runId: expect.any(String) },
    });

    const log = await api.http().get('/api/v1/webhook-deliveries').set(f.sponsorAlpha.auth).expect(200);
    expect(log.body.items.map((d: { state: string; attempts: number }) => [d.state, d.attempts])).toEqual([
      ['delivered', 1],
      ['delivered', 4],
    ]);
    // Another organisation sees none of it.
    const beta = await api.http().get('/api/v1/webhook-deliveries').set(f.sponsorBeta.auth).expect(200);
    expect(beta.body.total).toBe(0);
  }, 120_000);

  it('replays a delivered message with the same id and body', async () => {
    const log = await api.http().get('/api/v1/webhook-deliveries').set(f.sponsorAlpha.auth).expect(200);
    const oldest = log.body.items[log.body.items.length - 1] as { id: string; eventId: string; body: string };
    const before = receiver.received.length;

    const replay = await api
      .http()
      .post(`/api/v1/webhook-deliveries/${oldest.id}/replay`)
      .set(f.sponsorAlpha.auth)
      .expect(202);
    expect(replay.body).toMatchObject({ replayOf: oldest.id, eventId: oldest.eventId, state: 'pending' });
    await waitFor(
      () => Promise.resolve(receiver.received.length > before),
      Boolean,
      'the replayed message',
      30_000,
    );

    const again = receiver.received[before];
    expect(again.headers['webhook-id']).toBe(oldest.eventId);
    expect(again.body).toBe(oldest.body);
    const betaReplay = await api
      .http()
      .post(`/api/v1/webhook-deliveries/${oldest.id}/replay`)
      .set(f.sponsorBeta.auth);
    expect(betaReplay.status).toBe(404);
  }, 60_000);

  it('after a rotation both secrets sign during the overlap', async () => {
    const [endpoint] = (
      await api.http().get('/api/v1/webhook-endpoints').set(f.sponsorAlpha.auth).expect(200)
    ).body;
    const log = await api.http().get('/api/v1/webhook-deliveries').set(f.sponsorAlpha.auth).expect(200);
    const oldest = log.body.items[log.body.items.length - 1] as { id: string };
    const rotated = await api
      .http()
      .post(`/api/v1/webhook-endpoints/${endpoint.id}/rotate-secret`)
      .set(f.sponsorAlpha.auth)
      .send({ overlapHours: 1 })
      .expect(200);
    const newSecret = rotated.body.secret as string;
    expect(newSecret).not.toBe(firstSecret);
    expect(rotated.body.previousSecretExpiresAt).toEqual(expect.any(String));
    const before = receiver.received.length;

    await api
      .http()
      .post(`/api/v1/webhook-deliveries/${oldest.id}/replay`)
      .set(f.sponsorAlpha.auth)
      .expect(202);
    await waitFor(
      () => Promise.resolve(receiver.received.length > before),
      Boolean,
      'the replayed message',
      30_000,
    );

    const message = receiver.received[before];
    expect(String(message.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifyWebhook(signed(message), message.body, newSecret, message.at).valid).toBe(true);
    expect(verifyWebhook(signed(message), message.body, firstSecret, message.at).valid).toBe(true);

    // Without an overlap the old secret stops signing at once.
    const again = await api
      .http()
      .post(`/api/v1/webhook-endpoints/${endpoint.id}/rotate-secret`)
      .set(f.sponsorAlpha.auth)
      .send({ overlapHours: 0 })
      .expect(200);
    const afterRotation = receiver.received.length;
    await api
      .http()
      .post(`/api/v1/webhook-deliveries/${oldest.id}/replay`)
      .set(f.sponsorAlpha.auth)
      .expect(202);
    await waitFor(
      () => Promise.resolve(receiver.received.length > afterRotation),
      Boolean,
      'the message after the second rotation',
      30_000,
    );
    const last = receiver.received[afterRotation];
    expect(verifyWebhook(signed(last), last.body, again.body.secret as string, last.at).valid).toBe(true);
    expect(verifyWebhook(signed(last), last.body, newSecret, last.at).valid).toBe(false);
  }, 60_000);

  it('another organisation’s receiver that never answers does not hold this organisation’s deliveries back', async () => {
    const hanging = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    try {
      const port = (hanging.address() as AddressInfo).port;
      await register(`http://127.0.0.1:${port}/hook`, ['screening_run.finished'], f.sponsorBeta).expect(201);
      const betaTrial = await createRecruitingTrial(
        api,
        { sponsor: f.sponsorBeta, admin: f.admin },
        TRIAL_TEMPLATES[1],
        [f.sites.boston],
      );
      await waitFor(
        async () =>
          (await api.http().get('/api/v1/webhook-deliveries').set(f.sponsorBeta.auth)).body
            .items as unknown[],
        (items) => items.length > 0,
        "beta's delivery",
      );
      expect(betaTrial).toEqual(expect.any(String));
      const before = receiver.received.length;
      const started = Date.now();
      const [alphaTrial] = (await api.http().get('/api/v1/trials').set(f.sponsorAlpha.auth).expect(200))
        .body as { id: string }[];
      await api
        .http()
        .put(`/api/v1/trials/${alphaTrial.id}/criteria`)
        .set(f.sponsorAlpha.auth)
        .send({ criteria: TRIAL_TEMPLATES[0].criteria })
        .expect(200);
      await waitFor(() => Promise.resolve(receiver.received.length > before), Boolean, "alpha's message");
      // Beta's attempt is still hanging (the timeout is 3 s) while alpha's message arrives.
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    }
  }, 60_000);

  it('removing an endpoint stops its deliveries; another organisation cannot remove it', async () => {
    const [endpoint] = (
      await api.http().get('/api/v1/webhook-endpoints').set(f.sponsorAlpha.auth).expect(200)
    ).body;
    await api.http().delete(`/api/v1/webhook-endpoints/${endpoint.id}`).set(f.sponsorBeta.auth).expect(404);
    await api.http().delete(`/api/v1/webhook-endpoints/${endpoint.id}`).set(f.sponsorAlpha.auth).expect(204);
    const listed = await api.http().get('/api/v1/webhook-endpoints').set(f.sponsorAlpha.auth).expect(200);
    expect(listed.body.find((e: { id: string }) => e.id === endpoint.id).disabledAt).toEqual(
      expect.any(String),
    );
  });
});
