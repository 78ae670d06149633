import { Client } from 'pg';
import Redis from 'ioredis';
import { redisOptionsFromUrl } from '@registry/platform';
import { baseConfig, maintenanceUrl, runId } from './test-environment';

/** Drops every database and Redis key this run made, even those of a test file that crashed. */
export default async function globalTeardown(): Promise<void> {
  const run = runId();
  const config = baseConfig();
  const admin = new Client({ connectionString: maintenanceUrl(config.MIGRATION_DATABASE_URL) });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1`,
      [`tr_test_${run}_%`],
    );
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }

  const redis = new Redis({
    ...redisOptionsFromUrl(config.REDIS_URL),
    lazyConnect: true,
    maxRetriesPerRequest: 1,
  });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `tr_test_${run}_*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch {
    // Redis may be the thing a test stopped; keys of a dead run expire from relevance and are prefixed anyway.
  } finally {
    redis.disconnect();
  }
}
