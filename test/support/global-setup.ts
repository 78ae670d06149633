import 'reflect-metadata';
import {
  ensureAppRole,
  migrationDataSourceOptions,
  pendingSchemaDrift,
  runMigrationsLocked,
} from '@registry/persistence';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { baseConfig, databaseUrl, maintenanceUrl, templateDatabaseName } from './test-environment';
import { supplyTestSecrets } from './test-secrets';

/**
 * Migrates one template database for this run as the owner; every test file clones it (CREATE DATABASE ...
 * TEMPLATE), grants to the app role included, and the apps under test connect as the app role.
 */
export default async function globalSetup(): Promise<void> {
  const run = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  process.env.TEST_RUN_ID = run;
  // Set before the test workers start, so that every file of this run shares the run's secrets.
  supplyTestSecrets(process.env);
  const config = baseConfig();
  const template = templateDatabaseName(run);

  await ensureAppRole(maintenanceUrl(config.MIGRATION_DATABASE_URL), config.DATABASE_URL);
  const admin = new Client({ connectionString: maintenanceUrl(config.MIGRATION_DATABASE_URL) });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${template}"`);
  } finally {
    await admin.end();
  }

  const dataSource = new DataSource({
    ...migrationDataSourceOptions(
      { ...config, MIGRATION_DATABASE_URL: databaseUrl(config.MIGRATION_DATABASE_URL, template) },
      'trialready-test',
    ),
  });
  await dataSource.initialize();
  try {
    await runMigrationsLocked(dataSource);
    const drift = await pendingSchemaDrift(dataSource);
    if (drift.length > 0) {
      throw new Error(`Entities and migrations disagree; write a migration for:\n${drift.join(';\n')}`);
    }
  } finally {
    await dataSource.destroy();
  }
}
