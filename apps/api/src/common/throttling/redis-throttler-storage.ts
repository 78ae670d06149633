import { Inject, Injectable, Logger, Module } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { Environment } from '@registry/config';
import { Clock, RedisClient } from '@registry/platform';

/**
 * One attempt counted, atomically: the window's count goes up (and is given its expiry on the first hit), and a
 * subject past its limit is refused until the window ends, or until its block ends when the block is longer
 * than the window (a key of its own).
 * KEYS: the window's count, the block. ARGV: count expiry (ms), limit, block length (ms, 0: the window's rest).
 * Returns: hits, blocked (0/1), block milliseconds left (0: the window's rest).
 */
const INCREMENT_SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local blockLeft = redis.call('PTTL', KEYS[2])
if blockLeft > 0 then return {hits, 1, blockLeft} end
if hits > tonumber(ARGV[2]) then
  local block = tonumber(ARGV[3])
  if block > 0 then
    redis.call('SET', KEYS[2], '1', 'PX', block)
    return {hits, 1, block}
  end
  return {hits, 1, 0}
end
return {hits, 0, 0}
`;

/**
 * @nestjs/throttler's storage on our Redis, shared by every API replica (@nest-lab/throttler-storage-redis does
 * not support Nest 12). Fixed windows aligned on multiples of the limit's length since the epoch of the
 * injected clock, as the hand-written limiter it replaces had: a refused caller waits for the next window,
 * whose start the Retry-After header gives. If Redis is away the attempt is let through and the failure
 * logged: the per-account lock, the audit trail and disclosure control still apply.
 */
@Injectable()
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger(RedisThrottlerStorage.name);

  constructor(
    private readonly redis: RedisClient,
    @Inject(Environment) private readonly config: Environment,
    private readonly clock: Clock,
  ) {}

  /** `ttl` and `blockDuration` in milliseconds (the throttler's units); the times returned in seconds. */
  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const now = this.clock.now().getTime();
    const window = Math.floor(now / ttl);
    const windowLeftSeconds = Math.max(1, Math.ceil((ttl - (now % ttl)) / 1000));
    // The hash tag keeps both keys of a subject on one Redis Cluster slot, as a script needs.
    const base = `${this.config.REDIS_KEY_PREFIX}:throttle:{${throttlerName}:${key}}`;
    try {
      const [hits, blocked, blockLeftMs] = (await this.redis.connection.eval(
        INCREMENT_SCRIPT,
        2,
        `${base}:${window}`,
        `${base}:block`,
        // Kept one window past its own, so that a replica whose clock lags a little still finds the count.
        String(2 * ttl),
        String(limit),
        String(blockDuration > ttl ? blockDuration : 0),
      )) as [number, number, number];
      return {
        totalHits: hits,
        timeToExpire: windowLeftSeconds,
        isBlocked: blocked === 1,
        timeToBlockExpire:
          blocked === 1 ? (blockLeftMs > 0 ? Math.ceil(blockLeftMs / 1000) : windowLeftSeconds) : 0,
      };
    } catch (error) {
      this.logger.warn({
        msg: 'rate limit storage unavailable',
        throttler: throttlerName,
        error: (error as Error).message,
      });
      return { totalHits: 0, timeToExpire: windowLeftSeconds, isBlocked: false, timeToBlockExpire: 0 };
    }
  }
}

/** Provides the storage to ThrottlerModule.forRootAsync, whose factory injects it. */
@Module({ providers: [RedisThrottlerStorage], exports: [RedisThrottlerStorage] })
export class ThrottlerStorageModule {}
