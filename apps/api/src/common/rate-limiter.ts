import { Inject, Injectable, Logger } from '@nestjs/common';
import { Environment } from '@registry/config';
import { Clock, RedisClient } from '@registry/platform';

/** What a limit counts, and per whom: log-ins per IP address, duplicate checks per user. */
export type RateLimitedAction = 'login' | 'duplicate-check';

/** Counts attempts per action and subject. Abstract, so that unit tests can provide a fake. */
export abstract class RateLimiter {
  /** Counts one attempt; returns the seconds to wait when the subject is over its limit, else 0. */
  abstract hit(action: RateLimitedAction, subject: string, limitPerMinute: number): Promise<number>;
}

/**
 * Fixed one-minute windows per action and subject, counted in Redis so that every API replica shares them.
 * If Redis is away the limiter lets the attempt through and says so: the action's other safeguards (the
 * per-account lock, the audit row of each duplicate check) still apply.
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

  async hit(action: RateLimitedAction, subject: string, limitPerMinute: number): Promise<number> {
    const nowMs = this.clock.now().getTime();
    const window = Math.floor(nowMs / 60000);
    const key = `${this.config.REDIS_KEY_PREFIX}:ratelimit:${action}:${subject}:${window}`;
    try {
      const [[, count]] = (await this.redis.connection.multi().incr(key).expire(key, 120).exec()) as [
        [Error | null, number],
      ];
      if (count <= limitPerMinute) return 0;
      return 60 - Math.floor((nowMs / 1000) % 60);
    } catch (error) {
      this.logger.warn({ msg: 'rate limiter unavailable', action, error: (error as Error).message });
      return 0;
    }
  }
}
