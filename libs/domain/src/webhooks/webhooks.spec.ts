import {
  checkEndpointUrl,
  DAILY_REPORT_EVENT_TYPES,
  forbiddenAddressReason,
  generateWebhookSecret,
  nextWebhookAttempt,
  signWebhook,
  verifyWebhook,
  WebhookEventType,
  webhookReportDay,
  webhookReportDue,
} from '..';

const now = new Date('2026-12-02T12:00:00Z');
const seconds = Math.floor(now.getTime() / 1000);
const body = JSON.stringify({ type: 'screening_run.finished', data: { trialId: 't-1' } });

describe('webhook signatures (Standard Webhooks)', () => {
  const secret = generateWebhookSecret();
  const headers = signWebhook({ id: 'msg_1', body, timestamp: seconds }, [secret]);

  it('a receiver holding the secret verifies the raw body it received', () => {
    expect(verifyWebhook(headers, body, secret, now)).toEqual({ valid: true });
  });

  it('a tampered body, a wrong secret and an old timestamp all fail', () => {
    expect(verifyWebhook(headers, body.replace('t-1', 't-2'), secret, now)).toEqual({
      valid: false,
      reason: 'no_matching_signature',
    });
    expect(verifyWebhook(headers, body, generateWebhookSecret(), now)).toEqual({
      valid: false,
      reason: 'no_matching_signature',
    });
    const sixMinutesLater = new Date(now.getTime() + 6 * 60_000);
    expect(verifyWebhook(headers, body, secret, sixMinutesLater)).toEqual({
      valid: false,
      reason: 'timestamp_outside_tolerance',
    });
    // Re-signing the old message with a new timestamp needs the secret: the old signature does not carry over.
    const replayed = { ...headers, 'webhook-timestamp': String(seconds + 360) };
    expect(verifyWebhook(replayed, body, secret, sixMinutesLater).valid).toBe(false);
  });

  it('during a rotation both secrets sign, so a receiver with either one verifies', () => {
    const next = generateWebhookSecret();
    const both = signWebhook({ id: 'msg_2', body, timestamp: seconds }, [next, secret]);
    expect(both['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verifyWebhook(both, body, secret, now).valid).toBe(true);
    expect(verifyWebhook(both, body, next, now).valid).toBe(true);
  });

  it('missing headers are refused, not treated as unsigned', () => {
    expect(verifyWebhook({}, body, secret, now)).toEqual({ valid: false, reason: 'missing_headers' });
  });
});

describe('webhook retries', () => {
  const created = now;

  it('the wait doubles with each failure and stays within the upper half of its nominal value', () => {
    const waits = [1, 2, 3, 4].map((failures) => {
      const low = nextWebhookAttempt(created, failures, now, 0) as Date;
      const high = nextWebhookAttempt(created, failures, now, 0.999999) as Date;
      return [low.getTime() - now.getTime(), high.getTime() - now.getTime()];
    });
    expect(waits).toEqual([
      [15_000, 30_000],
      [30_000, 60_000],
      [60_000, 120_000],
      [120_000, 240_000],
    ]);
  });

  it('no single wait exceeds two hours', () => {
    const next = nextWebhookAttempt(created, 30, now, 0.999999) as Date;
    expect(next.getTime() - now.getTime()).toBeLessThanOrEqual(2 * 3600_000);
  });

  it('a delivery still failing 24 hours after it was created is parked', () => {
    const almostADayLater = new Date(created.getTime() + 23.5 * 3600_000);
    expect(nextWebhookAttempt(created, 12, almostADayLater, 0.5)).toBe('park');
    expect(nextWebhookAttempt(created, 1, new Date(created.getTime() + 3600_000), 0.5)).toBeInstanceOf(Date);
  });
});

describe('webhook endpoints and server-side request forgery', () => {
  const policy = { allowedHosts: ['127.0.0.1'], httpForAllowedHosts: true };

  it('only https URLs without credentials are accepted', () => {
    expect(checkEndpointUrl('https://hooks.example.com/registry', policy)).toMatchObject({ allowed: true });
    expect(checkEndpointUrl('http://hooks.example.com/registry', policy)).toEqual({
      allowed: false,
      rule: 'url must use https',
    });
    expect(checkEndpointUrl('https://user:pw@hooks.example.com/', policy)).toEqual({
      allowed: false,
      rule: 'url must not carry credentials',
    });
    expect(checkEndpointUrl('not a url', policy)).toEqual({
      allowed: false,
      rule: 'url must be an absolute URL',
    });
  });

  it('an allow-listed host may use http only where the deployment says so', () => {
    expect(checkEndpointUrl('http://127.0.0.1:8080/hook', policy)).toMatchObject({
      allowed: true,
      allowListed: true,
    });
    expect(checkEndpointUrl('http://127.0.0.1:8080/hook', { ...policy, httpForAllowedHosts: false })).toEqual(
      { allowed: false, rule: 'url must use https' },
    );
  });

  it.each([
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '127.0.0.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    'fc12:3456::1',
    '::ffff:10.0.0.1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    'ff02::1',
  ])('%s is refused', (address) => {
    expect(forbiddenAddressReason(address)).not.toBeNull();
  });

  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    '%s is a public address',
    (address) => {
      expect(forbiddenAddressReason(address)).toBeNull();
    },
  );

  it('text that is not an address is refused', () => {
    expect(forbiddenAddressReason('localhost')).toBe('not an IP address');
    expect(forbiddenAddressReason('1.2.3')).toBe('not an IP address');
  });
});

describe('daily webhook reports (pool and referral funnel)', () => {
  it('a trial is checked once per report day, and the day turns at the report time in UTC', () => {
    // 05:59 UTC is still the previous report day; 06:00 starts the new one.
    expect(webhookReportDay(new Date('2026-12-02T05:59:59Z'), '06:00')).toBe('2026-12-01');
    expect(webhookReportDay(new Date('2026-12-02T06:00:00Z'), '06:00')).toBe('2026-12-02');
    expect(webhookReportDay(new Date('2026-12-02T23:59:00Z'), '06:00')).toBe('2026-12-02');
    // At midnight the day before is the report day until the report time: across a month and a year.
    expect(webhookReportDay(new Date('2027-01-01T00:10:00Z'), '06:00')).toBe('2026-12-31');
    expect(webhookReportDay(new Date('2027-01-01T00:10:00Z'), '00:00')).toBe('2027-01-01');
  });

  it('a trial never checked is due; one checked on the report day is not; one checked before is', () => {
    expect(webhookReportDue(null, '2026-12-02')).toBe(true);
    expect(webhookReportDue('2026-12-02', '2026-12-02')).toBe(false);
    expect(webhookReportDue('2026-12-01', '2026-12-02')).toBe(true);
    // After downtime: one check catches up, whatever the number of days missed.
    expect(webhookReportDue('2026-11-20', '2026-12-02')).toBe(true);
  });

  it('reports only state events, not the screening run event (which is sent as it happens)', () => {
    expect(DAILY_REPORT_EVENT_TYPES).toEqual([
      WebhookEventType.PoolChanged,
      WebhookEventType.ReferralOutcome,
    ]);
    expect(DAILY_REPORT_EVENT_TYPES).not.toContain(WebhookEventType.ScreeningRunFinished);
  });
});
