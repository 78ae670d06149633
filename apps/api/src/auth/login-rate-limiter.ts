import { Inject, Injectable, Logger } from '@nestjs/common';
import { Environment } from '@registry/config';
import { RedisClient } from '@registry/platform';

/**
 * Fixed one-minute windows per IP address, counted in Redis so that every API replica shares them.
 * If Redis is away the limiter lets the attempt through (the per-account lock still applies) and says so.
 */
@Injectable()
export class LoginRateLimiter {
  private readonly logger = new Logger(LoginRateLimiter.name);

  constructor(
    private readonly redis: RedisClient,
    @Inject(Environment) private readonly config: Environment,
  ) {}

  /** Counts one attempt; returns the seconds to wait when the IP is over its limit, else 0. */
  async hit(ip: string): Promise<number> {
    const window = Math.floor(Date.now() / 60000);
    const key = `${this.config.REDIS_KEY_PREFIX}:ratelimit:login:${ip}:${window}`;
    try {
      const [[, count]] = (await this.redis.connection.multi().incr(key).expire(key, 120).exec()) as [
        [Error | null, number],
      ];
      if (count <= this.config.LOGIN_RATE_LIMIT_PER_MINUTE) return 0;
      return 60 - Math.floor((Date.now() / 1000) % 60);
    } catch (error) {
      this.logger.warn({ msg: 'login rate limiter unavailable', error: (error as Error).message });
      return 0;
    }
  }
}
