import { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_DATABASE_ROLE } from '../database-roles';

const APP = APP_DATABASE_ROLE;
/** The only tables the apps may not change: the trail and its anchors are append-only. */
const APPEND_ONLY = ['audit_event', 'audit_checkpoint'];

/**
 * The apps stop connecting as the owner of the schema: the app role gets the data privileges it needs and no
 * more (on the audit trail and its checkpoints only SELECT and INSERT), and the audit chain gets signed
 * checkpoints written outside it. See docs/SECURITY.md for what this does and does not protect against.
 */
export class AppRoleAndAuditCheckpoints1795610000000 implements MigrationInterface {
  name = 'AppRoleAndAuditCheckpoints1795610000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Roles are cluster-wide and normally made by `npm run up` or the e2e set-up (ensureAppRole, which also
    // lets it log in); creating it here, unable to log in, only keeps the grants below from failing elsewhere.
    await queryRunner.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP}') THEN
          CREATE ROLE ${APP} NOLOGIN;
        END IF;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END $$`);

    await queryRunner.query(`
      CREATE TABLE "audit_checkpoint" (
        "id" BIGSERIAL NOT NULL,
        "head_event_id" bigint NOT NULL,
        "head_hash" text NOT NULL,
        "created_at" timestamptz NOT NULL,
        "signature" text NOT NULL,
        CONSTRAINT "audit_checkpoint_pkey" PRIMARY KEY ("id")
      )`);
    // One checkpoint per head: two workers checkpointing at once write one row.
    await queryRunner.query(
      `CREATE UNIQUE INDEX "audit_checkpoint_head_event_id_key" ON "audit_checkpoint" ("head_event_id")`,
    );
    await queryRunner.query(`
      CREATE FUNCTION "audit_checkpoint_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_checkpoint is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "audit_checkpoint_immutable" BEFORE UPDATE OR DELETE ON "audit_checkpoint"
      FOR EACH ROW EXECUTE FUNCTION "audit_checkpoint_refuse_change"()`);
    await queryRunner.query(`
      CREATE TRIGGER "audit_checkpoint_no_truncate" BEFORE TRUNCATE ON "audit_checkpoint"
      FOR EACH STATEMENT EXECUTE FUNCTION "audit_checkpoint_refuse_change"()`);

    // Data privileges only: no TRUNCATE, REFERENCES or TRIGGER, and ownership (needed to alter or drop a table,
    // or to disable or drop a trigger) stays with the role running migrations.
    await queryRunner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${APP}`);
    // USAGE (nextval) but not UPDATE (setval); the audit trigger draws ids as the caller.
    await queryRunner.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${APP}`);
    // Tables and sequences of later migrations (made by the same owner) get the same grants.
    await queryRunner.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${APP}`,
    );
    await queryRunner.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE ON SEQUENCES TO ${APP}`);
    for (const table of APPEND_ONLY) {
      await queryRunner.query(`REVOKE UPDATE, DELETE, TRUNCATE ON "${table}" FROM ${APP}`);
    }
    // Migration bookkeeping is the owner's alone.
    await queryRunner.query(`REVOKE ALL ON "schema_migrations" FROM ${APP}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // The role stays: it is cluster-wide, and other databases of the server may grant to it.
    await queryRunner.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE ON SEQUENCES FROM ${APP}`,
    );
    await queryRunner.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM ${APP}`,
    );
    await queryRunner.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${APP}`);
    await queryRunner.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${APP}`);
    await queryRunner.query(`DROP TABLE "audit_checkpoint"`);
    await queryRunner.query(`DROP FUNCTION "audit_checkpoint_refuse_change"()`);
  }
}
