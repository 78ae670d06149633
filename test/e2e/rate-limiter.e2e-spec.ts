import { loadConfig } from '@registry/config';
import { FixedClock, RedisClient } from '@registry/platform';
import { RedisRateLimiter } from '../../apps/api/src/common/rate-limiter';
import { runId, uniqueSuffix } from '../support/test-environment';

/**
 * The Redis rate limiter on the real Redis, with no API around it: windows of any length follow the injected
 * clock, and the occurrences the sponsor query gate remembers expire after the window. Log-ins and duplicate
 * checks prove the one-minute windows through the API (auth and enrolment-duplicates e2e).
 */
describe('RedisRateLimiter on Redis', () => {
  const config = loadConfig({ ...process.env, REDIS_KEY_PREFIX: `tr_test_${runId()}_${uniqueSuffix()}` });
  const HOUR = { limit: 2, windowSeconds: 3600 };
  let redis: RedisClient;
  let clock: FixedClock;
  let limiter: RedisRateLimiter;

  beforeAll(async () => {
    redis = new RedisClient(config);
    // The client queues nothing while it connects (so that the API fails fast), and the limiter lets an
    // attempt through when Redis does not answer: wait until it can.
    if (redis.connection.status !== 'ready')
      await new Promise((resolve) => redis.connection.once('ready', resolve));
  });

  beforeEach(() => {
    clock = new FixedClock('2027-03-01T12:59:00Z');
    limiter = new RedisRateLimiter(redis, config, clock);
  });

  afterAll(() => redis.onApplicationShutdown());

  const hits = async (subject: string, times: number) => {
    const waits: number[] = [];
    for (let hit = 0; hit < times; hit++) waits.push(await limiter.hit('sponsor-query', subject, HOUR));
    return waits;
  };

  it('counts in hour windows aligned on the hour: the wait runs to the next hour, which counts afresh', async () => {
    expect(await hits('org-a', 3)).toEqual([0, 0, 60]);

    clock.set('2027-03-01T13:00:00Z');
    expect(await hits('org-a', 2)).toEqual([0, 0]);
    clock.set('2027-03-01T13:20:30.750Z');
    expect(await hits('org-a', 1)).toEqual([3600 - 20 * 60 - 30]);
  });

  it('counts each subject and each action apart', async () => {
    expect(await hits('org-b', 3)).toEqual([0, 0, 60]);
    expect(await hits('org-c', 1)).toEqual([0]);
    expect(await limiter.hit('duplicate-check', 'org-b', HOUR)).toBe(0);
  });

  it('keeps a window’s count under the key prefix for at most two windows', async () => {
    await limiter.hit('sponsor-query', 'org-d', HOUR);
    const window = Math.floor(clock.now().getTime() / 1000 / 3600);
    const key = `${config.REDIS_KEY_PREFIX}:ratelimit:sponsor-query:org-d:${window}`;
    expect(await redis.connection.get(key)).toBe('1');
    const ttl = await redis.connection.ttl(key);
    expect(ttl).toBeGreaterThan(3600);
    expect(ttl).toBeLessThanOrEqual(7200);
  });

  it('remembers an occurrence under the key prefix for the seconds given, and nothing else', async () => {
    const read = 'org-e:trial-1:3';
    expect(await limiter.remembers('sponsor-pool-read', read)).toBe(false);
    await limiter.remember('sponsor-pool-read', read, 3600);
    expect(await limiter.remembers('sponsor-pool-read', read)).toBe(true);
    expect(await limiter.remembers('sponsor-pool-read', 'org-e:trial-1:4')).toBe(false);

    const ttl = await redis.connection.ttl(`${config.REDIS_KEY_PREFIX}:sponsor-pool-read:${read}`);
    expect(ttl).toBeGreaterThan(3590);
    expect(ttl).toBeLessThanOrEqual(3600);
  });

  it('forgets an occurrence once its seconds have passed', async () => {
    await limiter.remember('sponsor-pool-read', 'org-f:trial-1:1', 1);
    expect(await limiter.remembers('sponsor-pool-read', 'org-f:trial-1:1')).toBe(true);
    // Redis expires keys by its own clock, not the injected one: wait the second out.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await limiter.remembers('sponsor-pool-read', 'org-f:trial-1:1')).toBe(false);
  });
});
