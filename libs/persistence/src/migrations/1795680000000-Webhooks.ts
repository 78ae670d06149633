import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks for sponsor organisations: `webhook_endpoint` (an https URL, the event types it takes, its signing
 * secret encrypted under WEBHOOK_SECRET_KEY and, during a rotation, the previous one) and `webhook_delivery`
 * (one message to one endpoint, its body as signed, its attempts; sent in `sequence` order per organisation).
 */
export class Webhooks1795680000000 implements MigrationInterface {
  name = 'Webhooks1795680000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "webhook_endpoint" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "sponsor_organisation_id" uuid NOT NULL, "url" text NOT NULL, "event_types" text array NOT NULL, "secret_ciphertext" text NOT NULL, "previous_secret_ciphertext" text, "previous_secret_expires_at" TIMESTAMP WITH TIME ZONE, "created_by" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "disabled_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "webhook_endpoint_previous_secret_expires" CHECK (("previous_secret_ciphertext" IS NULL) = ("previous_secret_expires_at" IS NULL)), CONSTRAINT "webhook_endpoint_event_types_valid" CHECK (cardinality("event_types") > 0 AND "event_types" <@ ARRAY['screening_run.finished', 'trial.pool_changed', 'referral.outcome']::text[]), CONSTRAINT "webhook_endpoint_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "webhook_endpoint_organisation_idx" ON "webhook_endpoint"  ("sponsor_organisation_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "webhook_delivery" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "sequence" BIGSERIAL NOT NULL, "endpoint_id" uuid NOT NULL, "sponsor_organisation_id" uuid NOT NULL, "event_type" text NOT NULL, "event_id" uuid NOT NULL, "body" text NOT NULL, "state" text NOT NULL, "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL, "last_attempt_at" TIMESTAMP WITH TIME ZONE, "last_response_status" integer, "last_error" text, "delivered_at" TIMESTAMP WITH TIME ZONE, "replay_of" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "webhook_delivery_delivered_at" CHECK (("state" = 'delivered') = ("delivered_at" IS NOT NULL)), CONSTRAINT "webhook_delivery_attempts_valid" CHECK ("attempts" >= 0), CONSTRAINT "webhook_delivery_state_valid" CHECK ("state" IN ('pending', 'delivered', 'failed')), CONSTRAINT "webhook_delivery_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "webhook_delivery_log_idx" ON "webhook_delivery"  ("sponsor_organisation_id", "created_at") `,
    );
    await queryRunner.query(
      `CREATE INDEX "webhook_delivery_pending_idx" ON "webhook_delivery"  ("sponsor_organisation_id", "sequence") WHERE "state" = 'pending'`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "webhook_delivery_endpoint_event_key" ON "webhook_delivery"  ("endpoint_id", "event_id") WHERE "replay_of" IS NULL`,
    );
    await queryRunner.query(
      `ALTER TABLE "webhook_endpoint" ADD CONSTRAINT "webhook_endpoint_organisation_fk" FOREIGN KEY ("sponsor_organisation_id") REFERENCES "sponsor_organisation"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "webhook_delivery" ADD CONSTRAINT "webhook_delivery_endpoint_fk" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoint"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "webhook_delivery" ADD CONSTRAINT "webhook_delivery_organisation_fk" FOREIGN KEY ("sponsor_organisation_id") REFERENCES "sponsor_organisation"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "webhook_delivery" DROP CONSTRAINT "webhook_delivery_organisation_fk"`,
    );
    await queryRunner.query(`ALTER TABLE "webhook_delivery" DROP CONSTRAINT "webhook_delivery_endpoint_fk"`);
    await queryRunner.query(
      `ALTER TABLE "webhook_endpoint" DROP CONSTRAINT "webhook_endpoint_organisation_fk"`,
    );
    await queryRunner.query(`DROP INDEX "public"."webhook_delivery_endpoint_event_key"`);
    await queryRunner.query(`DROP INDEX "public"."webhook_delivery_pending_idx"`);
    await queryRunner.query(`DROP INDEX "public"."webhook_delivery_log_idx"`);
    await queryRunner.query(`DROP TABLE "webhook_delivery"`);
    await queryRunner.query(`DROP INDEX "public"."webhook_endpoint_organisation_idx"`);
    await queryRunner.query(`DROP TABLE "webhook_endpoint"`);
  }
}
