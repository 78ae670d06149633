import { Environment, loadConfig } from '@registry/config';
import { randomBytes } from 'node:crypto';

/**
 * Where the tests find PostgreSQL and Redis: the same variables as the apps, so a developer who points
 * DATABASE_URL elsewhere tests against that server. Each run gets its own databases and Redis key prefix.
 */
export const baseConfig = (): Environment => loadConfig(process.env);

export function runId(): string {
  const id = process.env.TEST_RUN_ID;
  if (!id) throw new Error('TEST_RUN_ID is not set: run the e2e tests through jest.e2e.config.js');
  return id;
}

export const templateDatabaseName = (run: string): string => `tr_test_${run}_tpl`;

export const uniqueSuffix = (): string => randomBytes(4).toString('hex');

/** The same server URL with another database name. */
export function databaseUrl(baseUrl: string, database: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** A maintenance connection: the `postgres` database always exists. */
export const maintenanceUrl = (baseUrl: string): string => databaseUrl(baseUrl, 'postgres');
