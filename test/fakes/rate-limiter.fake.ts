import type { RateLimitedAction, RateLimiter } from '../../apps/api/src/common/rate-limiter';

/** Lets every attempt through unless the test sets `retryAfter`; keeps what was counted. */
export class FakeRateLimiter implements RateLimiter {
  retryAfter = 0;
  readonly hits: { action: RateLimitedAction; subject: string; limitPerMinute: number }[] = [];

  hit(action: RateLimitedAction, subject: string, limitPerMinute: number): Promise<number> {
    this.hits.push({ action, subject, limitPerMinute });
    return Promise.resolve(this.retryAfter);
  }
}
