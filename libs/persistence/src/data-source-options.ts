import type { Environment } from '@registry/config';
import type { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { QueryLogger } from './query-logger';

/** PostgreSQL settings for every session of a pool, by name (e.g. `{ jit: 'off' }`). */
export type SessionSettings = Readonly<Record<string, string>>;

/** One definition of the database connection, shared by both apps, the migration CLI and the tests. */
export function dataSourceOptions(
  config: Pick<Environment, 'DATABASE_URL' | 'DATABASE_POOL_SIZE'>,
  applicationName = 'trialready',
  sessionSettings: SessionSettings = {},
): DataSourceOptions {
  // Sent at connection start-up, so they hold for every statement without a round trip of their own.
  const options = Object.entries(sessionSettings)
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(' ');
  return {
    type: 'postgres',
    // gen_random_uuid() is built into PostgreSQL 13+; no extension to install.
    uuidExtension: 'pgcrypto',
    url: config.DATABASE_URL,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    // Schema changes are migrations, reviewed like code; never let the ORM alter tables on its own.
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    applicationName,
    extra: {
      max: config.DATABASE_POOL_SIZE,
      connectionTimeoutMillis: 5000,
      ...(options ? { options } : {}),
    },
    logging: ['error', 'warn', 'migration'],
    logger: new QueryLogger(),
    maxQueryExecutionTime: 2000,
  };
}

/**
 * The same connection as the schema's owner (MIGRATION_DATABASE_URL): for migrations, the demo seed and
 * whatever must create or alter tables. The apps never use it.
 */
export function migrationDataSourceOptions(
  config: Pick<Environment, 'MIGRATION_DATABASE_URL' | 'DATABASE_POOL_SIZE'>,
  applicationName: string,
): DataSourceOptions {
  return dataSourceOptions(
    { DATABASE_URL: config.MIGRATION_DATABASE_URL, DATABASE_POOL_SIZE: config.DATABASE_POOL_SIZE },
    applicationName,
  );
}
