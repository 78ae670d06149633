import { Environment } from '@registry/config';
import { generateWebhookSecret, verifyWebhook, WebhookHeaders } from '@registry/domain';
import { FixedClock, sealSecret } from '@registry/platform';
import { FAKE_TX, FakeTransactions, FakeWebhookRepository } from '../../../../test/fakes';
import { WebhookDeliveryService } from './webhook-delivery.service';
import { SendResult, WebhookSender } from './webhook-sender';

const KEY = 'webhook-secret-key-for-this-spec-0123456789';

/** A receiver that answers 500 to the first `failures` attempts, then 200; it records what reached it. */
class ScriptedSender extends WebhookSender {
  readonly received: { url: string; headers: WebhookHeaders; body: string; status: number }[] = [];
  constructor(private failures: number) {
    super();
  }
  send(url: string, headers: WebhookHeaders, body: string): Promise<SendResult> {
    const status = this.failures > 0 ? 500 : 200;
    if (this.failures > 0) this.failures -= 1;
    this.received.push({ url, headers, body, status });
    return Promise.resolve(
      status === 200
        ? { delivered: true, status }
        : { delivered: false, status, error: `answered ${status}` },
    );
  }
}

function setUp(failures: number) {
  const clock = new FixedClock('2026-12-02T09:00:00Z');
  const webhooks = new FakeWebhookRepository();
  const sender = new ScriptedSender(failures);
  const config = Object.assign(new Environment(), {
    WEBHOOK_SECRET_KEY: KEY,
    WEBHOOK_RETRY_BASE_MS: 1000,
    WEBHOOK_GIVE_UP_HOURS: 24,
  });
  const service = new WebhookDeliveryService(new FakeTransactions(), webhooks, sender, clock, config);
  const secret = generateWebhookSecret();
  const register = async (organisationId = 'org-alpha') =>
    webhooks.insertEndpoint(FAKE_TX, {
      sponsorOrganisationId: organisationId,
      url: 'https://hooks.example.com/registry',
      eventTypes: ['screening_run.finished'],
      secretCiphertext: sealSecret(secret, KEY),
      createdBy: 'user-1',
    });
  const publish = (runId: string, organisationId = 'org-alpha') =>
    webhooks.publish(FAKE_TX, {
      organisationId,
      type: 'screening_run.finished',
      occurredAt: clock.now(),
      data: { runId },
    });
  return { clock, webhooks, sender, service, secret, register, publish };
}

const runIdOf = (body: string) => (JSON.parse(body) as { runId: string }).runId;

describe('webhook deliveries', () => {
  it('a receiver failing the first three attempts gets exactly one successful delivery, the others after it', async () => {
    const { clock, webhooks, sender, service, register, publish } = setUp(3);
    await register();
    await publish('run-1');
    await publish('run-2');

    for (let attempt = 0; attempt < 10; attempt++) {
      const outcome = await service.drain('org-alpha');
      if (!outcome.nextDueAt) break;
      clock.set(new Date(Math.max(clock.now().getTime(), outcome.nextDueAt.getTime())));
    }

    expect(sender.received.map((r) => [runIdOf(r.body), r.status])).toEqual([
      ['run-1', 500],
      ['run-1', 500],
      ['run-1', 500],
      ['run-1', 200],
      ['run-2', 200],
    ]);
    expect(webhooks.deliveries.map((d) => [d.state, d.attempts])).toEqual([
      ['delivered', 4],
      ['delivered', 1],
    ]);
    // Every attempt of one message carries the same id, so a receiver can deduplicate.
    expect(new Set(sender.received.slice(0, 4).map((r) => r.headers['webhook-id'])).size).toBe(1);
  });

  it('a later delivery is not sent while an earlier one waits for its retry', async () => {
    const { webhooks, sender, service, register, publish } = setUp(1);
    await register();
    await publish('run-1');
    await publish('run-2');

    const outcome = await service.drain('org-alpha');

    expect(outcome).toMatchObject({ delivered: 0, failed: 1 });
    expect(outcome.nextDueAt!.getTime()).toBeGreaterThan(Date.parse('2026-12-02T09:00:00Z'));
    // Not due yet: nothing more is sent, the second one included.
    expect(await service.drain('org-alpha')).toMatchObject({ delivered: 0, failed: 0 });
    expect(sender.received.map((r) => runIdOf(r.body))).toEqual(['run-1']);
    expect(webhooks.deliveries.map((d) => d.state)).toEqual(['pending', 'pending']);
  });

  it('signs with the endpoint’s secret, so the receiver verifies the body it got', async () => {
    const { clock, sender, service, secret, register, publish } = setUp(0);
    await register();
    await publish('run-1');

    await service.drain('org-alpha');

    const [{ headers, body }] = sender.received;
    expect(verifyWebhook(headers, body, secret, clock.now())).toEqual({ valid: true });
    expect(verifyWebhook(headers, body, generateWebhookSecret(), clock.now()).valid).toBe(false);
  });

  it('during a rotation’s overlap both secrets sign; after it, only the new one', async () => {
    const { clock, webhooks, sender, service, secret, register, publish } = setUp(0);
    const endpoint = await register();
    const next = generateWebhookSecret();
    Object.assign(endpoint, {
      secretCiphertext: sealSecret(next, KEY),
      previousSecretCiphertext: sealSecret(secret, KEY),
      previousSecretExpiresAt: new Date('2026-12-03T09:00:00Z'),
    });
    await publish('run-1');
    await service.drain('org-alpha');
    clock.set(new Date('2026-12-03T09:00:01Z'));
    await publish('run-2');
    await service.drain('org-alpha');

    const [during, after] = sender.received;
    expect(verifyWebhook(during.headers, during.body, secret, new Date('2026-12-02T09:00:00Z')).valid).toBe(
      true,
    );
    expect(verifyWebhook(during.headers, during.body, next, new Date('2026-12-02T09:00:00Z')).valid).toBe(
      true,
    );
    expect(verifyWebhook(after.headers, after.body, next, clock.now()).valid).toBe(true);
    expect(verifyWebhook(after.headers, after.body, secret, clock.now()).valid).toBe(false);
    expect(webhooks.deliveries.every((d) => d.state === 'delivered')).toBe(true);
  });

  it('a delivery still failing a day after it was created is parked, and the next one goes out', async () => {
    const { clock, webhooks, sender, service, register, publish } = setUp(1000);
    await register();
    await publish('run-1');
    await publish('run-2');

    for (let attempt = 0; attempt < 200; attempt++) {
      const outcome = await service.drain('org-alpha');
      if (!outcome.nextDueAt || webhooks.deliveries[0].state === 'failed') break;
      clock.set(outcome.nextDueAt);
    }

    const [first, second] = webhooks.deliveries;
    expect(first.state).toBe('failed');
    expect(first.attempts).toBeGreaterThan(5);
    expect(clock.now().getTime() - first.createdAt.getTime()).toBeLessThanOrEqual(24 * 3600_000);
    expect(second.state).toBe('pending');
    expect(sender.received.some((r) => runIdOf(r.body) === 'run-2')).toBe(true);
  });

  it('another organisation’s failing receiver does not hold this one back', async () => {
    const { webhooks, service, register, publish } = setUp(1);
    await register('org-beta');
    await register('org-alpha');
    await publish('beta-1', 'org-beta'); // fails its first attempt
    await publish('alpha-1', 'org-alpha');

    await service.drain('org-beta');
    const alpha = await service.drain('org-alpha');

    expect(alpha).toMatchObject({ delivered: 1 });
    expect(webhooks.deliveries.map((d) => [d.sponsorOrganisationId, d.state])).toEqual([
      ['org-beta', 'pending'],
      ['org-alpha', 'delivered'],
    ]);
  });

  it('deliveries to a removed endpoint are parked unsent', async () => {
    const { webhooks, sender, service, register, publish } = setUp(0);
    const endpoint = await register();
    await publish('run-1');
    endpoint.disabledAt = new Date('2026-12-02T09:00:00Z');

    await service.drain('org-alpha');

    expect(sender.received).toEqual([]);
    expect(webhooks.deliveries[0]).toMatchObject({ state: 'failed', lastError: 'the endpoint was removed' });
  });
});
