import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scheduled reminders and the notification inbox.
 *
 * - `scheduled_visit.status`: 'scheduled', or 'missed' once its window closed without a visit (the day it was
 *   marked in `missed_on`, always after the window).
 * - `app_user.language` (null: the site's default) and `email_preference` (a daily digest, or eligibility
 *   flags at once), and the count of permanent e-mail failures since the last delivered one.
 * - `site_reminder_day`: one row per site and calendar day at the site, completed when the day's reminders
 *   have all been written (a run killed half-way is run again; its reminders are not written twice).
 * - `reminder`: what was reminded of, unique per participant, subject (a visit, a result for a trial, a flag),
 *   kind and day: the key behind "exactly once".
 * - `notification`: one per reminder and recipient (unique), with its text in the recipient's language, read
 *   state and e-mail state.
 */
export class RemindersAndNotifications1795660000000 implements MigrationInterface {
  name = 'RemindersAndNotifications1795660000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "scheduled_visit" ADD "status" text NOT NULL DEFAULT 'scheduled'`);
    await queryRunner.query(`ALTER TABLE "scheduled_visit" ADD "missed_on" date`);
    await queryRunner.query(
      `ALTER TABLE "scheduled_visit" ADD CONSTRAINT "scheduled_visit_status_valid" CHECK ("status" IN ('scheduled', 'missed'))`,
    );
    await queryRunner.query(
      `ALTER TABLE "scheduled_visit" ADD CONSTRAINT "scheduled_visit_missed_on" CHECK (("status" = 'missed') = ("missed_on" IS NOT NULL) AND ("missed_on" IS NULL OR "missed_on" > "window_end"))`,
    );

    await queryRunner.query(`ALTER TABLE "app_user" ADD "language" text`);
    await queryRunner.query(
      `ALTER TABLE "app_user" ADD "email_preference" text NOT NULL DEFAULT 'daily_digest'`,
    );
    await queryRunner.query(
      `ALTER TABLE "app_user" ADD "email_permanent_failures" integer NOT NULL DEFAULT 0`,
    );
    await queryRunner.query(
      `ALTER TABLE "app_user" ADD CONSTRAINT "app_user_language_valid" CHECK ("language" IS NULL OR "language" IN ('ja', 'en'))`,
    );
    await queryRunner.query(
      `ALTER TABLE "app_user" ADD CONSTRAINT "app_user_email_preference_valid" CHECK ("email_preference" IN ('daily_digest', 'immediate_flags'))`,
    );
    await queryRunner.query(
      `ALTER TABLE "app_user" ADD CONSTRAINT "app_user_email_failures_non_negative" CHECK ("email_permanent_failures" >= 0)`,
    );

    await queryRunner.query(
      `CREATE TABLE "site_reminder_day" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "site_id" uuid NOT NULL, "for_date" date NOT NULL, "completed_at" TIMESTAMP WITH TIME ZONE, "visits_missed" integer NOT NULL DEFAULT 0, "reminders" integer NOT NULL DEFAULT 0, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "site_reminder_day_counts" CHECK ("visits_missed" >= 0 AND "reminders" >= 0), CONSTRAINT "site_reminder_day_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "site_reminder_day_key" ON "site_reminder_day" ("site_id", "for_date")`,
    );
    await queryRunner.query(
      `ALTER TABLE "site_reminder_day" ADD CONSTRAINT "site_reminder_day_site_fk" FOREIGN KEY ("site_id") REFERENCES "site"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );

    const kinds = `('visit_window_opens_soon', 'visit_window_open', 'visit_window_closes_soon', 'visit_missed', 'result_expiring', 'eligible_flag', 'one_test_away_flag', 'email_bouncing')`;
    await queryRunner.query(
      `CREATE TABLE "reminder" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "site_id" uuid, "participant_id" text, "kind" text NOT NULL, "subject_key" text NOT NULL, "about_day" date NOT NULL, "sent_on" date NOT NULL, "facts" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "reminder_kind_valid" CHECK ("kind" IN ${kinds}), CONSTRAINT "reminder_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "reminder_key" ON "reminder" ("subject_key", "kind", "about_day")`,
    );
    await queryRunner.query(`CREATE INDEX "reminder_site_day_idx" ON "reminder" ("site_id", "sent_on")`);
    await queryRunner.query(
      `ALTER TABLE "reminder" ADD CONSTRAINT "reminder_site_fk" FOREIGN KEY ("site_id") REFERENCES "site"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "reminder" ADD CONSTRAINT "reminder_participant_fk" FOREIGN KEY ("participant_id") REFERENCES "participant"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );

    await queryRunner.query(
      `CREATE TABLE "notification" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "recipient_id" uuid NOT NULL, "reminder_id" uuid NOT NULL, "kind" text NOT NULL, "language" text NOT NULL, "subject" text NOT NULL, "body" text NOT NULL, "participant_id" text, "site_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "read_at" TIMESTAMP WITH TIME ZONE, "email" text NOT NULL DEFAULT 'pending', "emailed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "notification_kind_valid" CHECK ("kind" IN ${kinds}), CONSTRAINT "notification_language_valid" CHECK ("language" IN ('ja', 'en')), CONSTRAINT "notification_email_valid" CHECK ("email" IN ('pending', 'sent', 'failed', 'not_sent')), CONSTRAINT "notification_emailed_at" CHECK (("email" = 'sent') = ("emailed_at" IS NOT NULL)), CONSTRAINT "notification_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "notification_reminder_recipient_key" ON "notification" ("reminder_id", "recipient_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "notification_recipient_idx" ON "notification" ("recipient_id", "created_at")`,
    );
    await queryRunner.query(
      `CREATE INDEX "notification_email_pending_idx" ON "notification" ("recipient_id") WHERE "email" = 'pending'`,
    );
    await queryRunner.query(
      `ALTER TABLE "notification" ADD CONSTRAINT "notification_recipient_fk" FOREIGN KEY ("recipient_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "notification" ADD CONSTRAINT "notification_reminder_fk" FOREIGN KEY ("reminder_id") REFERENCES "reminder"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "notification" ADD CONSTRAINT "notification_participant_fk" FOREIGN KEY ("participant_id") REFERENCES "participant"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "notification" ADD CONSTRAINT "notification_site_fk" FOREIGN KEY ("site_id") REFERENCES "site"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "notification"`);
    await queryRunner.query(`DROP TABLE "reminder"`);
    await queryRunner.query(`DROP TABLE "site_reminder_day"`);
    await queryRunner.query(`ALTER TABLE "app_user" DROP CONSTRAINT "app_user_email_failures_non_negative"`);
    await queryRunner.query(`ALTER TABLE "app_user" DROP CONSTRAINT "app_user_email_preference_valid"`);
    await queryRunner.query(`ALTER TABLE "app_user" DROP CONSTRAINT "app_user_language_valid"`);
    await queryRunner.query(`ALTER TABLE "app_user" DROP COLUMN "email_permanent_failures"`);
    await queryRunner.query(`ALTER TABLE "app_user" DROP COLUMN "email_preference"`);
    await queryRunner.query(`ALTER TABLE "app_user" DROP COLUMN "language"`);
    await queryRunner.query(`ALTER TABLE "scheduled_visit" DROP CONSTRAINT "scheduled_visit_missed_on"`);
    await queryRunner.query(`ALTER TABLE "scheduled_visit" DROP CONSTRAINT "scheduled_visit_status_valid"`);
    await queryRunner.query(`ALTER TABLE "scheduled_visit" DROP COLUMN "missed_on"`);
    await queryRunner.query(`ALTER TABLE "scheduled_visit" DROP COLUMN "status"`);
  }
}
