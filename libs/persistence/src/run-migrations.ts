import type { DataSource, Migration } from 'typeorm';

// Any constant shared by every process of this app: two processes starting at once take turns.
const MIGRATION_LOCK_KEY = 7_410_245_001;

/**
 * Runs pending migrations under a PostgreSQL advisory lock, so that an API and a worker (or two replicas)
 * starting together never run the same migration twice.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<Migration[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}

/** The SQL TypeORM would run to make the schema match the entities; empty when migrations and entities agree. */
export async function pendingSchemaDrift(dataSource: DataSource): Promise<string[]> {
  const sql = await dataSource.driver.createSchemaBuilder().log();
  return sql.upQueries.map((query) => query.query);
}
