import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The daily webhook reports (`trial.pool_changed`, `referral.outcome`): `webhook_report` keeps, per trial and
 * event type, the report day last checked and a SHA-256 of the published figures last sent, so that an event
 * goes out only when the figures a sponsor may see have changed, at most once a day.
 */
export class WebhookReports1795700000000 implements MigrationInterface {
  name = 'WebhookReports1795700000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "webhook_report" ("trial_id" uuid NOT NULL, "event_type" text NOT NULL, "checked_on" date NOT NULL, "fingerprint" text NOT NULL, "reported_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "webhook_report_fingerprint_sha256" CHECK ("fingerprint" ~ '^[0-9a-f]{64}$'), CONSTRAINT "webhook_report_event_type_valid" CHECK ("event_type" IN ('trial.pool_changed', 'referral.outcome')), CONSTRAINT "webhook_report_pkey" PRIMARY KEY ("trial_id", "event_type"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "webhook_report" ADD CONSTRAINT "webhook_report_trial_fk" FOREIGN KEY ("trial_id") REFERENCES "trial"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "webhook_report" DROP CONSTRAINT "webhook_report_trial_fk"`);
    await queryRunner.query(`DROP TABLE "webhook_report"`);
  }
}
