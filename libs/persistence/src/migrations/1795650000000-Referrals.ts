import { MigrationInterface, QueryRunner } from 'typeorm';

const OPEN_STATES = `'to_contact', 'interested', 'prescreen_booked'`;

/**
 * Referrals (issue 18): a sponsor's request per trial and site (`referral_request`), each participant a site
 * contacts for it with the state of that contact (`referral_contact`, at most one open per person), and the
 * trial a randomised participant is committed to (`trial_commitment`, read by screening as "in another
 * trial"). A trial's first status is now called `draft` (it was `planning`).
 */
export class Referrals1795650000000 implements MigrationInterface {
  name = 'Referrals1795650000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "trial" DROP CONSTRAINT "trial_status_valid"`);
    await queryRunner.query(`UPDATE "trial" SET "status" = 'draft' WHERE "status" = 'planning'`);
    await queryRunner.query(
      `ALTER TABLE "trial" ADD CONSTRAINT "trial_status_valid" CHECK ("status" IN ('draft', 'recruiting', 'paused', 'closed'))`,
    );

    await queryRunner.query(
      `CREATE TABLE "referral_request" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "trial_id" uuid NOT NULL, "site_id" uuid NOT NULL, "requested_count" integer NOT NULL, "due_on" date NOT NULL, "requested_by" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "closed_at" TIMESTAMP WITH TIME ZONE, "close_reason" text, CONSTRAINT "referral_request_close_reason" CHECK (("closed_at" IS NULL) = ("close_reason" IS NULL)), CONSTRAINT "referral_request_count_positive" CHECK ("requested_count" > 0), CONSTRAINT "referral_request_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "referral_request_open_key" ON "referral_request" ("trial_id", "site_id") WHERE "closed_at" IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "referral_request_site_idx" ON "referral_request" ("site_id", "created_at")`,
    );
    await queryRunner.query(
      `CREATE TABLE "referral_contact" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "request_id" uuid NOT NULL, "trial_id" uuid NOT NULL, "participant_id" text NOT NULL, "state" text NOT NULL, "screen_fail_reason" text, "note" text, "eligible_since" TIMESTAMP WITH TIME ZONE, "interested_at" TIMESTAMP WITH TIME ZONE, "booked_at" TIMESTAMP WITH TIME ZONE, "randomised_on" date, "flags_suppressed_until" date, "created_by" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "closed_at" TIMESTAMP WITH TIME ZONE, "close_reason" text, CONSTRAINT "referral_contact_booked_was_interested" CHECK ("booked_at" IS NULL OR "interested_at" IS NOT NULL), CONSTRAINT "referral_contact_close_reason" CHECK (("closed_at" IS NULL) = ("close_reason" IS NULL)), CONSTRAINT "referral_contact_screen_fail_has_reason" CHECK (("state" = 'screen_failed') = ("screen_fail_reason" IS NOT NULL)), CONSTRAINT "referral_contact_screen_fail_reason_valid" CHECK ("screen_fail_reason" IN ('amyloid_not_eligible', 'cognition_not_eligible', 'mri_exclusion', 'medical_history', 'no_study_partner', 'other')), CONSTRAINT "referral_contact_state_valid" CHECK ("state" IN ('to_contact', 'not_reached', 'declined', 'interested', 'prescreen_booked', 'screen_failed', 'randomised')), CONSTRAINT "referral_contact_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "referral_contact_open_key" ON "referral_contact" ("participant_id") WHERE "closed_at" IS NULL AND "state" IN (${OPEN_STATES})`,
    );
    await queryRunner.query(
      `CREATE INDEX "referral_contact_request_idx" ON "referral_contact" ("request_id", "state")`,
    );
    await queryRunner.query(
      `CREATE INDEX "referral_contact_participant_trial_idx" ON "referral_contact" ("participant_id", "trial_id")`,
    );
    await queryRunner.query(
      `CREATE TABLE "trial_commitment" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "participant_id" text NOT NULL, "trial_id" uuid NOT NULL, "referral_contact_id" uuid NOT NULL, "committed_on" date NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "trial_commitment_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "trial_commitment_participant_trial_key" ON "trial_commitment" ("participant_id", "trial_id")`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "trial_commitment_contact_key" ON "trial_commitment" ("referral_contact_id")`,
    );
    for (const [table, constraint, column, target] of FOREIGN_KEYS)
      await queryRunner.query(
        `ALTER TABLE "${table}" ADD CONSTRAINT "${constraint}" FOREIGN KEY ("${column}") REFERENCES "${target}"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
      );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const [table, constraint] of [...FOREIGN_KEYS].reverse())
      await queryRunner.query(`ALTER TABLE "${table}" DROP CONSTRAINT "${constraint}"`);
    await queryRunner.query(`DROP TABLE "trial_commitment"`);
    await queryRunner.query(`DROP TABLE "referral_contact"`);
    await queryRunner.query(`DROP TABLE "referral_request"`);
    await queryRunner.query(`ALTER TABLE "trial" DROP CONSTRAINT "trial_status_valid"`);
    await queryRunner.query(`UPDATE "trial" SET "status" = 'planning' WHERE "status" = 'draft'`);
    await queryRunner.query(
      `ALTER TABLE "trial" ADD CONSTRAINT "trial_status_valid" CHECK ("status" IN ('planning', 'recruiting', 'paused', 'closed'))`,
    );
  }
}

const FOREIGN_KEYS: [table: string, constraint: string, column: string, target: string][] = [
  ['referral_request', 'referral_request_trial_fk', 'trial_id', 'trial'],
  ['referral_request', 'referral_request_site_fk', 'site_id', 'site'],
  ['referral_contact', 'referral_contact_request_fk', 'request_id', 'referral_request'],
  ['referral_contact', 'referral_contact_trial_fk', 'trial_id', 'trial'],
  ['referral_contact', 'referral_contact_participant_fk', 'participant_id', 'participant'],
  ['trial_commitment', 'trial_commitment_participant_fk', 'participant_id', 'participant'],
  ['trial_commitment', 'trial_commitment_trial_fk', 'trial_id', 'trial'],
  ['trial_commitment', 'trial_commitment_contact_fk', 'referral_contact_id', 'referral_contact'],
];
