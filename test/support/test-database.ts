import { Client } from 'pg';
import {
  baseConfig,
  databaseUrl,
  maintenanceUrl,
  runId,
  templateDatabaseName,
  uniqueSuffix,
} from './test-environment';

export interface TestDatabase {
  name: string;
  /** As the app role, which the apps under test use. */
  url: string;
  /** As the owner of the schema: for what the apps may not do (alter tables, tamper with the trail). */
  ownerUrl: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database for one test file, cloned from the run's template in a few tens of milliseconds. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const config = baseConfig();
  const run = runId();
  const name = `tr_test_${run}_${uniqueSuffix()}`;
  const admin = new Client({ connectionString: maintenanceUrl(config.MIGRATION_DATABASE_URL) });
  await admin.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${templateDatabaseName(run)}"`);
        break;
      } catch (error) {
        // Two clones of one template at the same instant can collide ("source database is being accessed").
        if (attempt >= 10 || !/being accessed/.test(String(error))) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  } finally {
    await admin.end();
  }
  return {
    name,
    url: databaseUrl(config.DATABASE_URL, name),
    ownerUrl: databaseUrl(config.MIGRATION_DATABASE_URL, name),
    async drop() {
      const client = new Client({ connectionString: maintenanceUrl(config.MIGRATION_DATABASE_URL) });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
