import type {
  RateLimit,
  RateLimitedAction,
  RateLimiter,
  RememberedOccurrence,
} from '../../apps/api/src/common/rate-limiter';

/**
 * Counts each action and subject in one window that never ends, and answers the whole window as the wait
 * once a subject is past its limit; a test that sets `retryAfter` refuses every attempt with that wait.
 * Remembers occurrences for ever. Keeps what was counted.
 */
export class FakeRateLimiter implements RateLimiter {
  retryAfter = 0;
  readonly hits: ({ action: RateLimitedAction; subject: string } & RateLimit)[] = [];
  private readonly counts = new Map<string, number>();
  private readonly remembered = new Set<string>();

  hit(action: RateLimitedAction, subject: string, rateLimit: RateLimit): Promise<number> {
    this.hits.push({ action, subject, ...rateLimit });
    const key = `${action}:${subject}`;
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    if (this.retryAfter > 0) return Promise.resolve(this.retryAfter);
    return Promise.resolve(count > rateLimit.limit ? rateLimit.windowSeconds : 0);
  }

  remembers(occurrence: RememberedOccurrence, subject: string): Promise<boolean> {
    return Promise.resolve(this.remembered.has(`${occurrence}:${subject}`));
  }

  remember(occurrence: RememberedOccurrence, subject: string): Promise<void> {
    this.remembered.add(`${occurrence}:${subject}`);
    return Promise.resolve();
  }
}
