import { Inject, Injectable, Logger } from '@nestjs/common';
import { Environment } from '@registry/config';
import { Clock, RedisClient } from '@registry/platform';

/**
 * What a limit counts, and per whom: duplicate checks per user, sponsor queries per sponsor organisation. (Log-ins
 * per IP address and requests per IP and per user are @nestjs/throttler's: common/throttling.)
 */
export type RateLimitedAction = 'duplicate-check' | 'sponsor-query';

/** What a subject may send: at most `limit` attempts in each fixed window of `windowSeconds`. */
export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

/** Something remembered for a while, so that only its first occurrence counts (see `remembers`). */
export type RememberedOccurrence = 'sponsor-pool-read';

/** Counts attempts per action and subject. Abstract, so that unit tests can provide a fake. */
export abstract class RateLimiter {
  /** Counts one attempt; returns the seconds to wait when the subject is over its limit, else 0. */
  abstract hit(action: RateLimitedAction, subject: string, rateLimit: RateLimit): Promise<number>;

  /** Whether the occurrence was remembered (by `remember`) less than its seconds ago. */
  abstract remembers(occurrence: RememberedOccurrence, subject: string): Promise<boolean>;

  /** Remembers the occurrence for `seconds` from now. */
  abstract remember(occurrence: RememberedOccurrence, subject: string, seconds: number): Promise<void>;
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

  async remembers(occurrence: RememberedOccurrence, subject: string): Promise<boolean> {
    try {
      return (await this.redis.connection.exists(this.occurrenceKey(occurrence, subject))) === 1;
    } catch (error) {
      // Not remembered, so that the occurrence is counted (and, with Redis away, let through by `hit`).
      this.logger.warn({ msg: 'rate limiter unavailable', occurrence, error: (error as Error).message });
      return false;
    }
  }

  async remember(occurrence: RememberedOccurrence, subject: string, seconds: number): Promise<void> {
    try {
      await this.redis.connection.set(this.occurrenceKey(occurrence, subject), '1', 'EX', seconds);
    } catch (error) {
      // Forgotten: the next occurrence counts again, which errs on the side of the limit.
      this.logger.warn({ msg: 'rate limiter unavailable', occurrence, error: (error as Error).message });
    }
  }

  private occurrenceKey(occurrence: RememberedOccurrence, subject: string): string {
    return `${this.config.REDIS_KEY_PREFIX}:${occurrence}:${subject}`;
  }
}
