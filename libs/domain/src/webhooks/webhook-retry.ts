/**
 * When a failed webhook delivery is tried again: exponential back-off with jitter (so that receivers coming
 * back after an outage are not hit by every sender at once), for up to `giveUpAfterHours` after the
 * delivery was created, after which it is parked as failed (the organisation can replay it from its log).
 */
export interface WebhookRetryPolicy {
  /** The wait after the first failure, before jitter. */
  baseDelayMs: number;
  /** No single wait is longer than this, before jitter. */
  maxDelayMs: number;
  giveUpAfterHours: number;
}

export const DEFAULT_WEBHOOK_RETRY_POLICY: WebhookRetryPolicy = {
  baseDelayMs: 30_000,
  maxDelayMs: 2 * 3600_000,
  giveUpAfterHours: 24,
};

/**
 * After the `failedAttempts`-th failed attempt (1 for the first) of a delivery created at `createdAt`: the
 * time of the next attempt, or 'park' when that would fall after the give-up time. The wait doubles with
 * each failure up to the maximum, and is then drawn uniformly from its upper half (`random` in [0, 1)), so
 * it never falls below half the nominal wait nor above it.
 */
export function nextWebhookAttempt(
  createdAt: Date,
  failedAttempts: number,
  now: Date,
  random: number,
  policy: WebhookRetryPolicy = DEFAULT_WEBHOOK_RETRY_POLICY,
): Date | 'park' {
  const nominal = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failedAttempts - 1));
  const wait = nominal / 2 + (nominal / 2) * Math.min(Math.max(random, 0), 1);
  const next = new Date(now.getTime() + Math.round(wait));
  const giveUpAt = createdAt.getTime() + policy.giveUpAfterHours * 3600_000;
  return next.getTime() > giveUpAt ? 'park' : next;
}
