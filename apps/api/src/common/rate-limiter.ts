import { Inject, Injectable, Logger } from '@nestjs/common';
import { Environment } from '@registry/config';
import { Clock, RedisClient } from '@registry/platform';

/**
 * What a limit counts, and per whom: log-ins per IP address, duplicate checks per user, sponsor queries per
 * sponsor organisation.
 */
export type RateLimitedAction = 'login' | 'duplicate-check' | 'sponsor-query';

/** What a subject may send: at most `limit` attempts in each fixed window of `windowSeconds`. */
export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

/** Something remembered for a while, so that only its first occurrence counts (see `firstInWindow`). */
export type RememberedOccurrence = 'sponsor-pool-read';

/** Counts attempts per action and subject. Abstract, so that unit tests can provide a fake. */
export abstract class RateLimiter {
  /** Counts one attempt; returns the seconds to wait when the subject is over its limit, else 0. */
  abstract hit(action: RateLimitedAction, subject: string, rateLimit: RateLimit): Promise<number>;

  /**
   * Remembers the occurrence for `windowSeconds` from now; true when it was not already remembered, i.e.
   * when this is its first occurrence within that time.
   */
  abstract firstInWindow(
    occurrence: RememberedOccurrence,
    subject: string,
    windowSeconds: number,
  ): Promise<boolean>;
}

/**
 * Fixed windows per action and subject, aligned on multiples of the window length since the epoch of the
 * injected clock, counted in Redis so that every API replica shares them. If Redis is away the limiter lets
 * the attempt through and says so: the action's other safeguards (the per-account lock, the audit row of
 * each duplicate check or sponsor query, disclosure control) still apply.
 */
@Injectable()
export class RedisRateLimiter extends RateLimiter {
  private readonly logger = new Logger(RateLimiter.name);

  constructor(
    private readonly redis: RedisClient,
    @Inject(Environment) private readonly config: Environment,
    private readonly clock: Clock,
  ) {
    super();
  }

  async hit(
    action: RateLimitedAction,
    subject: string,
    { limit, windowSeconds }: RateLimit,
  ): Promise<number> {
    const nowSeconds = this.clock.now().getTime() / 1000;
    const window = Math.floor(nowSeconds / windowSeconds);
    const key = `${this.config.REDIS_KEY_PREFIX}:ratelimit:${action}:${subject}:${window}`;
    try {
      // Kept one window past its own, so that a replica whose clock lags a little still finds the count.
      const [[, count]] = (await this.redis.connection
        .multi()
        .incr(key)
        .expire(key, 2 * windowSeconds)
        .exec()) as [[Error | null, number]];
      if (count <= limit) return 0;
      return windowSeconds - Math.floor(nowSeconds % windowSeconds);
    } catch (error) {
      this.logger.warn({ msg: 'rate limiter unavailable', action, error: (error as Error).message });
      return 0;
    }
  }

  async firstInWindow(
    occurrence: RememberedOccurrence,
    subject: string,
    windowSeconds: number,
  ): Promise<boolean> {
    const key = `${this.config.REDIS_KEY_PREFIX}:${occurrence}:${subject}`;
    try {
      // One atomic step, so that two replicas seeing the same occurrence at once count it once.
      return (await this.redis.connection.set(key, '1', 'EX', windowSeconds, 'NX')) === 'OK';
    } catch (error) {
      // Counted, so that the hit that follows decides (and, with Redis away, lets it through as well).
      this.logger.warn({ msg: 'rate limiter unavailable', occurrence, error: (error as Error).message });
      return true;
    }
  }
}
