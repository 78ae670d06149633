import { Client } from 'pg';
import type { DataSource } from 'typeorm';

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

/**
 * Why the connection's role could alter the audit trail (superuser, owner of its tables, or a privilege
 * beyond SELECT and INSERT on them); empty for the app role. The apps check it at start-up.
 */
export async function auditTamperingRights(dataSource: DataSource): Promise<string[]> {
  // to_regclass: on a database not migrated yet this reports only a superuser, and the app fails where it did.
  const rows = await dataSource.query<{ problem: string }[]>(
    `SELECT format('%s is a superuser', current_user) AS problem FROM pg_roles
      WHERE rolname = current_user AND (rolsuper OR rolbypassrls)
     UNION ALL
     SELECT format('%s owns %s (it can disable its triggers)', current_user, c.relname)
       FROM pg_class c WHERE c.oid IN (to_regclass('audit_event'), to_regclass('audit_checkpoint'))
        AND pg_has_role(c.relowner, 'USAGE')
     UNION ALL
     SELECT format('%s may %s %s', current_user, p.privilege, c.relname)
       FROM pg_class c CROSS JOIN unnest(ARRAY['UPDATE', 'DELETE', 'TRUNCATE', 'TRIGGER']) AS p(privilege)
      WHERE c.oid IN (to_regclass('audit_event'), to_regclass('audit_checkpoint'))
        AND has_table_privilege(c.oid, p.privilege)
      ORDER BY 1`,
  );
  return rows.map((row) => row.problem);
}
