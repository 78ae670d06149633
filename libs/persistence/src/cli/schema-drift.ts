import 'reflect-metadata';
import { loadConfig } from '@registry/config';
import { DataSource } from 'typeorm';
import { migrationDataSourceOptions } from '../data-source-options';
import { pendingSchemaDrift, runMigrationsLocked } from '../run-migrations';

/**
 * `npm run migration:drift`: migrates MIGRATION_DATABASE_URL (as the owner), then prints the SQL that would make the schema match the
 * entities. Empty output means entities and migrations agree; otherwise it is the draft of the next migration.
 */
async function main(): Promise<void> {
  const dataSource = new DataSource(migrationDataSourceOptions(loadConfig(), 'trialready-drift'));
  await dataSource.initialize();
  try {
    await runMigrationsLocked(dataSource);
    const drift = await pendingSchemaDrift(dataSource);
    console.log(drift.length ? drift.map((sql) => `${sql};`).join('\n') : 'entities and migrations agree');
    process.exitCode = drift.length ? 3 : 0;
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
