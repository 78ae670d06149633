import { MigrationInterface, QueryRunner } from 'typeorm';

/** Trials with versioned criteria and participating sites; determinations, their history, flags and screening runs. */
export class CreateEligibility1795520000000 implements MigrationInterface {
  name = 'CreateEligibility1795520000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "trial" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "sponsor_organisation_id" uuid NOT NULL, "title" text NOT NULL, "registry_number" text NOT NULL, "phase" text NOT NULL, "status" text NOT NULL, "target_enrolment" integer NOT NULL, "criteria_version" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "trial_criteria_version_positive" CHECK ("criteria_version" >= 1), CONSTRAINT "trial_target_enrolment_positive" CHECK ("target_enrolment" > 0), CONSTRAINT "trial_registry_number_format" CHECK ("registry_number" ~ '^(NCT[0-9]{8}|jRCT[0-9a-z]{8,12})$'), CONSTRAINT "trial_status_valid" CHECK ("status" IN ('planning', 'recruiting', 'paused', 'closed')), CONSTRAINT "trial_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "trial_sponsor_idx" ON "trial" ("sponsor_organisation_id")`);
    await queryRunner.query(
      `CREATE TABLE "trial_criteria_version" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "trial_id" uuid NOT NULL, "version" integer NOT NULL, "document" jsonb NOT NULL, "created_by" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "trial_criteria_version_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "trial_criteria_version_key" ON "trial_criteria_version" ("trial_id", "version")`,
    );
    await queryRunner.query(
      `CREATE TABLE "eligibility_determination" ("participant_id" text NOT NULL, "trial_id" uuid NOT NULL, "criteria_version" integer NOT NULL, "result" text NOT NULL, "one_test_away" text, "explanation" jsonb NOT NULL, "as_of" date NOT NULL, "evaluated_at" TIMESTAMP WITH TIME ZONE NOT NULL, "changed_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "eligibility_determination_result_valid" CHECK ("result" IN ('eligible', 'ineligible', 'undetermined')), CONSTRAINT "eligibility_determination_pkey" PRIMARY KEY ("participant_id", "trial_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "eligibility_determination_trial_idx" ON "eligibility_determination" ("trial_id", "result")`,
    );
    await queryRunner.query(
      `CREATE TABLE "eligibility_determination_history" ("id" BIGSERIAL NOT NULL, "participant_id" text NOT NULL, "trial_id" uuid NOT NULL, "criteria_version" integer NOT NULL, "result" text NOT NULL, "one_test_away" text, "reasons" jsonb NOT NULL, "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "eligibility_history_result_valid" CHECK ("result" IN ('eligible', 'ineligible', 'undetermined')), CONSTRAINT "eligibility_determination_history_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "eligibility_history_participant_idx" ON "eligibility_determination_history" ("participant_id", "trial_id", "id")`,
    );
    await queryRunner.query(
      `CREATE TABLE "eligibility_flag" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "participant_id" text NOT NULL, "trial_id" uuid NOT NULL, "kind" text NOT NULL, "episode" integer NOT NULL, "test" text, "criteria_version" integer NOT NULL, "raised_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "acknowledged_at" TIMESTAMP WITH TIME ZONE, "acknowledged_by" uuid, "closed_at" TIMESTAMP WITH TIME ZONE, "close_reason" text, CONSTRAINT "eligibility_flag_close_reason" CHECK (("closed_at" IS NULL) = ("close_reason" IS NULL)), CONSTRAINT "eligibility_flag_episode_positive" CHECK ("episode" >= 1), CONSTRAINT "eligibility_flag_kind_valid" CHECK ("kind" IN ('eligible', 'one_test_away')), CONSTRAINT "eligibility_flag_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "eligibility_flag_trial_idx" ON "eligibility_flag" ("trial_id", "closed_at")`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "eligibility_flag_open_key" ON "eligibility_flag" ("participant_id", "trial_id", "kind") WHERE "closed_at" IS NULL`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "eligibility_flag_episode_key" ON "eligibility_flag" ("participant_id", "trial_id", "kind", "episode")`,
    );
    await queryRunner.query(
      `CREATE TABLE "screening_run" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "trial_id" uuid NOT NULL, "criteria_version" integer NOT NULL, "cause" text NOT NULL, "total" integer NOT NULL, "done" integer NOT NULL DEFAULT '0', "cursor" text, "started_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "screening_run_progress" CHECK ("done" >= 0 AND "done" <= "total"), CONSTRAINT "screening_run_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "screening_run_trial_idx" ON "screening_run" ("trial_id", "started_at")`,
    );
    await queryRunner.query(
      `CREATE TABLE "trial_site" ("trial_id" uuid NOT NULL, "site_id" uuid NOT NULL, CONSTRAINT "PK_50646179a949426c7c2b7c5cb95" PRIMARY KEY ("trial_id", "site_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_90518153778680099b82451e2a" ON "trial_site" ("trial_id")`);
    await queryRunner.query(`CREATE INDEX "IDX_11b4884b03c755cce2caf7b746" ON "trial_site" ("site_id")`);
    await queryRunner.query(
      `ALTER TABLE "trial" ADD CONSTRAINT "trial_sponsor_organisation_fk" FOREIGN KEY ("sponsor_organisation_id") REFERENCES "sponsor_organisation"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "trial_criteria_version" ADD CONSTRAINT "trial_criteria_version_trial_fk" FOREIGN KEY ("trial_id") REFERENCES "trial"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "eligibility_determination" ADD CONSTRAINT "eligibility_determination_participant_fk" FOREIGN KEY ("participant_id") REFERENCES "participant"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "eligibility_determination" ADD CONSTRAINT "eligibility_determination_trial_fk" FOREIGN KEY ("trial_id") REFERENCES "trial"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "eligibility_flag" ADD CONSTRAINT "eligibility_flag_participant_fk" FOREIGN KEY ("participant_id") REFERENCES "participant"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "eligibility_flag" ADD CONSTRAINT "eligibility_flag_trial_fk" FOREIGN KEY ("trial_id") REFERENCES "trial"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "screening_run" ADD CONSTRAINT "screening_run_trial_fk" FOREIGN KEY ("trial_id") REFERENCES "trial"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "trial_site" ADD CONSTRAINT "trial_site_trial_fk" FOREIGN KEY ("trial_id") REFERENCES "trial"("id") ON DELETE CASCADE ON UPDATE CASCADE`,
    );
    await queryRunner.query(
      `ALTER TABLE "trial_site" ADD CONSTRAINT "trial_site_site_fk" FOREIGN KEY ("site_id") REFERENCES "site"("id") ON DELETE CASCADE ON UPDATE CASCADE`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "screening_run"`);
    await queryRunner.query(`DROP TABLE "eligibility_flag"`);
    await queryRunner.query(`DROP TABLE "eligibility_determination_history"`);
    await queryRunner.query(`DROP TABLE "eligibility_determination"`);
    await queryRunner.query(`DROP TABLE "trial_site"`);
    await queryRunner.query(`DROP TABLE "trial_criteria_version"`);
    await queryRunner.query(`DROP TABLE "trial"`);
  }
}
