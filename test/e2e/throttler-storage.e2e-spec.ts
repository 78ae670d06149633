import { loadConfig } from '@registry/config';
import { FixedClock, RedisClient } from '@registry/platform';
import { RedisThrottlerStorage } from '../../apps/api/src/common/throttling/redis-throttler-storage';
import { runId, uniqueSuffix } from '../support/test-environment';

/**
 * @nestjs/throttler's storage on the real Redis: one Lua script per attempt, so replicas racing on one subject
 * let exactly `limit` attempts through; fixed windows follow the injected clock; a block longer than the
 * window outlasts it.
 */
describe('RedisThrottlerStorage on Redis', () => {
  const config = loadConfig({ ...process.env, REDIS_KEY_PREFIX: `tr_test_${runId()}_${uniqueSuffix()}` });
  const MINUTE = 60_000;
  let redis: RedisClient;
  let clock: FixedClock;
  let storage: RedisThrottlerStorage;

  beforeAll(async () => {
    redis = new RedisClient(config);
    if (redis.connection.status !== 'ready')
      await new Promise((resolve) => redis.connection.once('ready', resolve));
  });

  beforeEach(() => {
    clock = new FixedClock('2027-03-01T12:00:20Z');
    storage = new RedisThrottlerStorage(redis, config, clock);
  });

  afterAll(() => redis.onApplicationShutdown());

  it('lets exactly the limit through when many attempts race, and refuses the rest until the window ends', async () => {
    // Two "replicas" (two storages on two connections) hitting one subject at once.
    const other = new RedisClient(config);
    if (other.connection.status !== 'ready')
      await new Promise((resolve) => other.connection.once('ready', resolve));
    try {
      const second = new RedisThrottlerStorage(other, config, clock);
      const records = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          (i % 2 ? second : storage).increment('race', MINUTE, 10, MINUTE, 'ip'),
        ),
      );
      expect(records.filter((record) => !record.isBlocked)).toHaveLength(10);
      expect(records.map((record) => record.totalHits).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
      // At 12:00:20, the minute's window ends in 40 seconds.
      const refused = records.find((record) => record.isBlocked)!;
      expect(refused).toMatchObject({ timeToExpire: 40, timeToBlockExpire: 40 });
    } finally {
      other.onApplicationShutdown();
    }
  });

  it('counts afresh in the next window, and each throttler and subject apart', async () => {
    for (let i = 0; i < 3; i++) await storage.increment('subject-a', MINUTE, 2, MINUTE, 'user');
    expect((await storage.increment('subject-a', MINUTE, 2, MINUTE, 'user')).isBlocked).toBe(true);
    expect((await storage.increment('subject-b', MINUTE, 2, MINUTE, 'user')).isBlocked).toBe(false);
    expect((await storage.increment('subject-a', MINUTE, 2, MINUTE, 'login')).isBlocked).toBe(false);

    clock.set('2027-03-01T12:01:00Z');
    const next = await storage.increment('subject-a', MINUTE, 2, MINUTE, 'user');
    expect(next).toMatchObject({ totalHits: 1, isBlocked: false, timeToExpire: 60 });
  });

  it('keeps a block longer than the window past the window’s end', async () => {
    for (let i = 0; i < 2; i++) await storage.increment('blocked', MINUTE, 1, 10 * MINUTE, 'login');
    clock.set('2027-03-01T12:01:00Z');
    const record = await storage.increment('blocked', MINUTE, 1, 10 * MINUTE, 'login');
    expect(record.isBlocked).toBe(true);
    expect(record.timeToBlockExpire).toBeGreaterThan(590);
  });

  it('keeps its counts under the key prefix, expiring after two windows', async () => {
    await storage.increment('ttl', MINUTE, 5, MINUTE, 'ip');
    const window = Math.floor(clock.now().getTime() / MINUTE);
    const key = `${config.REDIS_KEY_PREFIX}:throttle:{ip:ttl}:${window}`;
    expect(await redis.connection.get(key)).toBe('1');
    const ttl = await redis.connection.pttl(key);
    expect(ttl).toBeGreaterThan(MINUTE);
    expect(ttl).toBeLessThanOrEqual(2 * MINUTE);
  });
});
