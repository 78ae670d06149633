import 'reflect-metadata';
import { loadConfig } from '@registry/config';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../data-source-options';
import { runMigrationsLocked } from '../run-migrations';

const USAGE = 'usage: migrate.js run | revert | show';

async function main(command: string | undefined): Promise<void> {
  if (!command || !['run', 'revert', 'show'].includes(command)) throw new Error(USAGE);
  const dataSource = new DataSource(dataSourceOptions(loadConfig(), 'trialready-migrate'));
  await dataSource.initialize();
  try {
    if (command === 'run') {
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
