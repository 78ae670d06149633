import 'reflect-metadata';
import { loadConfig } from '@registry/config';
import { DataSource } from 'typeorm';
import { migrationDataSourceOptions } from '../data-source-options';
import { ensureAppRole } from '../database-roles';
import { runMigrationsLocked } from '../run-migrations';

const USAGE = 'usage: migrate.js run | revert | show';

async function main(command: string | undefined): Promise<void> {
  if (!command || !['run', 'revert', 'show'].includes(command)) throw new Error(USAGE);
  const config = loadConfig();
  // As the owner of the schema (MIGRATION_DATABASE_URL); the apps' role (DATABASE_URL) may not alter tables.
  const dataSource = new DataSource(migrationDataSourceOptions(config, 'trialready-migrate'));
  await dataSource.initialize();
  try {
    if (command === 'run') {
      // The migrations grant to the app role; make sure it exists and may log in with DATABASE_URL's password.
      await ensureAppRole(config.MIGRATION_DATABASE_URL, config.DATABASE_URL);
      const applied = await runMigrationsLocked(dataSource);
      console.log(
        applied.length ? `applied: ${applied.map((m) => m.name).join(', ')}` : 'schema is up to date',
      );
    } else if (command === 'revert') {
      await dataSource.undoLastMigration({ transaction: 'each' });
      console.log('reverted the last migration');
    } else {
      const pending = await dataSource.showMigrations();
      console.log(pending ? 'there are pending migrations' : 'schema is up to date');
      process.exitCode = pending ? 3 : 0;
    }
  } finally {
    await dataSource.destroy();
  }
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
