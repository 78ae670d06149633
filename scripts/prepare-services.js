// Creates the application database if it is missing, and warns when Redis may evict BullMQ's keys.
// Plain JavaScript: it runs before the TypeScript build.
const { Client } = require('pg');
const Redis = require('ioredis');

async function ensureDatabase(databaseUrl) {
  const target = new URL(databaseUrl);
  const name = decodeURIComponent(target.pathname.slice(1));
  const maintenance = new URL(databaseUrl);
  maintenance.pathname = '/postgres';
  const client = new Client({ connectionString: maintenance.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      console.log(`[trialready] created database ${name}`);
    }
  } finally {
    await client.end();
  }
}

async function checkRedisPolicy(redisUrl) {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const [, policy] = await redis.config('GET', 'maxmemory-policy');
    if (policy && policy !== 'noeviction') {
      console.warn(
        `[trialready] Redis maxmemory-policy is "${policy}"; BullMQ needs "noeviction" or it can lose jobs.`,
      );
    }
  } catch {
    // CONFIG may be disabled on managed Redis; the policy is then the operator's to set.
  } finally {
    redis.disconnect();
  }
}

// The database is created by the owner of the schema (the apps' role may not create anything).
const defaults = {
  MIGRATION_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/trialready',
  REDIS_URL: 'redis://127.0.0.1:6379',
};
Promise.all([
  ensureDatabase(process.env.MIGRATION_DATABASE_URL || defaults.MIGRATION_DATABASE_URL),
  checkRedisPolicy(process.env.REDIS_URL || defaults.REDIS_URL),
]).catch((error) => {
  console.error(`[trialready] could not prepare the database: ${error.message}`);
  process.exit(1);
});
