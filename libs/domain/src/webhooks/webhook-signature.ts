import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures in the scheme of Standard Webhooks (standardwebhooks.com, the scheme Svix and others
 * use; Stripe's differs only in header names): three headers,
 *
 *   webhook-id:        the message id (the same on every retry and replay, so a receiver can deduplicate)
 *   webhook-timestamp: seconds since the epoch when this attempt was signed
 *   webhook-signature: "v1,<base64 HMAC-SHA256 of `${id}.${timestamp}.${rawBody}`>", space-separated when
 *                      several secrets sign (during a rotation's overlap, the new secret's and the old one's)
 *
 * A secret is "whsec_" followed by the base64 of 32 random bytes; the HMAC key is those bytes. The receiver
 * recomputes the HMAC over the raw body as received (before any JSON parsing), compares in constant time,
 * and refuses a timestamp outside its tolerance (five minutes here), which bounds replays of a captured
 * message.
 */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';
export const DEFAULT_TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

export function generateWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

function keyOf(secret: string): Buffer {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) throw new Error('a webhook secret starts with "whsec_"');
  return Buffer.from(secret.slice(WEBHOOK_SECRET_PREFIX.length), 'base64');
}

function signatureOf(secret: string, id: string, timestamp: number, body: string): string {
  return createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64');
}

export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** The headers of one delivery attempt, signed with every secret given (the current one first). */
export function signWebhook(
  message: { id: string; body: string; timestamp: number },
  secrets: readonly string[],
): WebhookHeaders {
  if (secrets.length === 0) throw new Error('a webhook is signed with at least one secret');
  return {
    'webhook-id': message.id,
    'webhook-timestamp': String(message.timestamp),
    'webhook-signature': secrets
      .map((secret) => `v1,${signatureOf(secret, message.id, message.timestamp, message.body)}`)
      .join(' '),
  };
}

export type WebhookVerification =
  | { valid: true }
  | { valid: false; reason: 'missing_headers' | 'timestamp_outside_tolerance' | 'no_matching_signature' };

/**
 * What a receiver runs (docs/WEBHOOKS.md shows the same in a few lines): valid when one of the signatures
 * matches the HMAC of the raw body under `secret` and the timestamp is within `toleranceSeconds` of `now`.
 */
export function verifyWebhook(
  headers: Partial<Record<keyof WebhookHeaders, string | undefined>>,
  rawBody: string,
  secret: string,
  now: Date,
  toleranceSeconds = DEFAULT_TIMESTAMP_TOLERANCE_SECONDS,
): WebhookVerification {
  const id = headers['webhook-id'];
  const timestampText = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!id || !timestampText || !signatures || !/^[0-9]+$/.test(timestampText))
    return { valid: false, reason: 'missing_headers' };
  const timestamp = Number(timestampText);
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds)
    return { valid: false, reason: 'timestamp_outside_tolerance' };
  const expected = Buffer.from(signatureOf(secret, id, timestamp, rawBody), 'base64');
  for (const part of signatures.split(' ')) {
    const [version, value] = part.split(',', 2);
    if (version !== 'v1' || !value) continue;
    const given = Buffer.from(value, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { valid: true };
  }
  return { valid: false, reason: 'no_matching_signature' };
}
