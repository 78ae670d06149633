import { MigrationInterface, QueryRunner } from 'typeorm';

/** Sites, sponsor organisations, users and their sites, refresh tokens, and the append-only audit trail. */
export class CreateIdentityAndAudit1795500000000 implements MigrationInterface {
  name = 'CreateIdentityAndAudit1795500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "site" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "code" text NOT NULL,
        "name" text NOT NULL,
        "country" text NOT NULL,
        "time_zone" text NOT NULL,
        "active" boolean NOT NULL DEFAULT true,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "site_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "site_code_format" CHECK ("code" ~ '^[A-Z]{2,5}$'),
        CONSTRAINT "site_country_format" CHECK ("country" ~ '^[A-Z]{2}$')
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "site_code_key" ON "site" ("code")`);

    await queryRunner.query(`
      CREATE TABLE "sponsor_organisation" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "name" text NOT NULL,
        "active" boolean NOT NULL DEFAULT true,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "sponsor_organisation_pkey" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "sponsor_organisation_name_key" ON "sponsor_organisation" ("name")`,
    );

    await queryRunner.query(`
      CREATE TABLE "app_user" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "email" text NOT NULL,
        "display_name" text NOT NULL,
        "role" text NOT NULL,
        "password_hash" text NOT NULL,
        "sponsor_organisation_id" uuid,
        "active" boolean NOT NULL DEFAULT true,
        "failed_login_count" integer NOT NULL DEFAULT 0,
        "locked_until" timestamptz,
        "last_login_at" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "app_user_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "app_user_role_valid" CHECK ("role" IN ('admin', 'coordinator', 'sponsor', 'monitor')),
        CONSTRAINT "app_user_sponsor_has_organisation" CHECK (("role" = 'sponsor') = ("sponsor_organisation_id" IS NOT NULL)),
        CONSTRAINT "app_user_failed_logins_non_negative" CHECK ("failed_login_count" >= 0),
        CONSTRAINT "app_user_sponsor_organisation_fk" FOREIGN KEY ("sponsor_organisation_id")
          REFERENCES "sponsor_organisation"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
      )`);
    // One account per address whatever its case.
    await queryRunner.query(`CREATE UNIQUE INDEX "app_user_email_lower_key" ON "app_user" (lower("email"))`);

    await queryRunner.query(`
      CREATE TABLE "user_site" (
        "user_id" uuid NOT NULL,
        "site_id" uuid NOT NULL,
        CONSTRAINT "PK_72b20c37f609d0b79fc0361a3e4" PRIMARY KEY ("user_id", "site_id"),
        CONSTRAINT "user_site_user_fk" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE CASCADE ON UPDATE CASCADE,
        CONSTRAINT "user_site_site_fk" FOREIGN KEY ("site_id") REFERENCES "site"("id") ON DELETE CASCADE ON UPDATE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_89345e46cca4af1b853024df84" ON "user_site" ("user_id")`);
    await queryRunner.query(`CREATE INDEX "IDX_7b011ff447eddaaf28de8740e6" ON "user_site" ("site_id")`);

    await queryRunner.query(`
      CREATE TABLE "refresh_token" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "user_id" uuid NOT NULL,
        "family_id" uuid NOT NULL,
        "token_hash" text NOT NULL,
        "expires_at" timestamptz NOT NULL,
        "used_at" timestamptz,
        "revoked_at" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "refresh_token_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "refresh_token_user_fk" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "refresh_token_hash_key" ON "refresh_token" ("token_hash")`);
    await queryRunner.query(`CREATE INDEX "refresh_token_family_idx" ON "refresh_token" ("family_id")`);

    await this.createAuditTrail(queryRunner);
  }

  private async createAuditTrail(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE SEQUENCE "audit_event_id_seq" AS bigint`);
    await queryRunner.query(`
      CREATE TABLE "audit_event" (
        "id" bigint NOT NULL,
        "occurred_at" timestamptz NOT NULL,
        "actor_user_id" uuid,
        "actor_role" text NOT NULL,
        "action" text NOT NULL,
        "entity_type" text NOT NULL,
        "entity_id" text,
        "site_id" uuid,
        "changes" jsonb NOT NULL,
        "reason" text,
        "request_id" text,
        "prev_hash" text NOT NULL,
        "hash" text NOT NULL,
        CONSTRAINT "audit_event_pkey" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "audit_event_entity_idx" ON "audit_event" ("entity_type", "entity_id", "id")`,
    );
    await queryRunner.query(`CREATE INDEX "audit_event_actor_idx" ON "audit_event" ("actor_user_id", "id")`);
    await queryRunner.query(`CREATE INDEX "audit_event_site_idx" ON "audit_event" ("site_id", "id")`);
    await queryRunner.query(`CREATE INDEX "audit_event_occurred_idx" ON "audit_event" ("occurred_at")`);
    // A fork in the chain (two rows after the same predecessor) is impossible, not merely detected.
    await queryRunner.query(`CREATE UNIQUE INDEX "audit_event_prev_hash_key" ON "audit_event" ("prev_hash")`);

    // The hash covers every recorded field and the previous row's hash; /audit/verify recomputes it.
    await queryRunner.query(`
      CREATE FUNCTION "audit_event_row_hash"(e "audit_event") RETURNS text LANGUAGE sql STABLE AS $$
        SELECT encode(sha256(convert_to(jsonb_build_array(
          e.prev_hash, e.id::text,
          to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
          e.actor_user_id, e.actor_role, e.action, e.entity_type, e.entity_id, e.site_id,
          e.changes, e.reason, e.request_id
        )::text, 'UTF8')), 'hex')
      $$`);

    await queryRunner.query(`
      CREATE FUNCTION "audit_event_chain"() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        last_hash text;
      BEGIN
        -- Under REPEATABLE READ the lookup below could miss a row committed while we waited for the lock.
        IF current_setting('transaction_isolation') <> 'read committed' THEN
          RAISE EXCEPTION 'audit_event rows must be written under READ COMMITTED';
        END IF;
        -- One writer at a time until commit: chain order is commit order, and each row follows the last one.
        PERFORM pg_advisory_xact_lock(7410245002);
        NEW.id := nextval('audit_event_id_seq');
        NEW.occurred_at := clock_timestamp();
        SELECT hash INTO last_hash FROM audit_event ORDER BY id DESC LIMIT 1;
        NEW.prev_hash := coalesce(last_hash, repeat('0', 64));
        NEW.hash := audit_event_row_hash(NEW);
        RETURN NEW;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "audit_event_chain" BEFORE INSERT ON "audit_event"
      FOR EACH ROW EXECUTE FUNCTION "audit_event_chain"()`);

    await queryRunner.query(`
      CREATE FUNCTION "audit_event_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "audit_event_immutable" BEFORE UPDATE OR DELETE ON "audit_event"
      FOR EACH ROW EXECUTE FUNCTION "audit_event_refuse_change"()`);
    await queryRunner.query(`
      CREATE TRIGGER "audit_event_no_truncate" BEFORE TRUNCATE ON "audit_event"
      FOR EACH STATEMENT EXECUTE FUNCTION "audit_event_refuse_change"()`);
    // Where the app connects as a non-superuser, privileges refuse the change before the trigger does.
    await queryRunner.query(`REVOKE UPDATE, DELETE, TRUNCATE ON "audit_event" FROM PUBLIC`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // The row hash takes the table's row type: it goes first, or the table cannot be dropped.
    await queryRunner.query(`DROP FUNCTION "audit_event_row_hash"("audit_event")`);
    await queryRunner.query(`DROP TABLE "audit_event"`);
    await queryRunner.query(`DROP FUNCTION "audit_event_refuse_change"()`);
    await queryRunner.query(`DROP FUNCTION "audit_event_chain"()`);
    await queryRunner.query(`DROP SEQUENCE "audit_event_id_seq"`);
    await queryRunner.query(`DROP TABLE "refresh_token"`);
    await queryRunner.query(`DROP TABLE "user_site"`);
    await queryRunner.query(`DROP TABLE "app_user"`);
    await queryRunner.query(`DROP TABLE "sponsor_organisation"`);
    await queryRunner.query(`DROP TABLE "site"`);
  }
}
