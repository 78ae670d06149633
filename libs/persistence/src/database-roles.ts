import { Client } from 'pg';

/**
 * The role the API and the worker connect as (DATABASE_URL). It owns nothing: it may read and write the
 * ordinary tables, only SELECT and INSERT the audit trail and its checkpoints, and can neither disable a
 * trigger nor truncate or alter a table. The grants are in the AppRoleAndAuditCheckpoints migration, which
 * names this role; the schema's owner (MIGRATION_DATABASE_URL) runs migrations. See docs/SECURITY.md.
 */
export const APP_DATABASE_ROLE = 'trialready_app';

const ROLE_ATTRIBUTES = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';

/**
 * Creates the app role if the server lacks it (roles are cluster-wide) and makes sure it may log in, with the
 * password DATABASE_URL carries when it names that role. Connects as the owner, who needs CREATEROLE for the
 * first call only. Idempotent, and safe when two processes (two test runs) call it at once.
 */
export async function ensureAppRole(ownerUrl: string, appUrl: string): Promise<void> {
  const app = new URL(appUrl);
  const password =
    decodeURIComponent(app.username) === APP_DATABASE_ROLE && app.password
      ? decodeURIComponent(app.password)
      : null;
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(`
          DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_DATABASE_ROLE}') THEN
              CREATE ROLE ${APP_DATABASE_ROLE} ${ROLE_ATTRIBUTES};
            END IF;
          EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; -- created meanwhile by another process
          END $$`);
        const [{ ready }] = (
          await client.query<{ ready: boolean }>(
            `SELECT rolcanlogin AND NOT rolsuper AND NOT rolcreaterole AND NOT rolcreatedb AS ready
               FROM pg_roles WHERE rolname = $1`,
            [APP_DATABASE_ROLE],
          )
        ).rows;
        // ALTER ROLE only when something is to change: two concurrent ones fail with "tuple concurrently updated".
        if (!ready || password !== null) {
          const setPassword = password !== null ? ` PASSWORD ${client.escapeLiteral(password)}` : '';
          await client.query(`ALTER ROLE ${APP_DATABASE_ROLE} ${ROLE_ATTRIBUTES}${setPassword}`);
        }
        return;
      } catch (error) {
        if (attempt >= 5 || !/concurrently/.test(String(error))) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  } finally {
    await client.end();
  }
}
