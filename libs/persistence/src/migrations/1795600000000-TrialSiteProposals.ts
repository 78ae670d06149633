import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `trial_site_proposal`: a sponsor proposes sites for its trial, and a site joins (`trial_site`, which
 * screening reads) only once an admin or the site accepts. Existing `trial_site` rows stay: they are sites
 * that already take part.
 */
export class TrialSiteProposals1795600000000 implements MigrationInterface {
  name = 'TrialSiteProposals1795600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "trial_site_proposal" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "trial_id" uuid NOT NULL, "site_id" uuid NOT NULL, "state" text NOT NULL, "proposed_by" uuid NOT NULL, "proposed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "decided_by" uuid, "decided_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "trial_site_proposal_decided" CHECK (("state" = 'proposed') = ("decided_at" IS NULL)), CONSTRAINT "trial_site_proposal_state_valid" CHECK ("state" IN ('proposed', 'accepted', 'declined')), CONSTRAINT "trial_site_proposal_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "trial_site_proposal_trial_site_key" ON "trial_site_proposal" ("trial_id", "site_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "trial_site_proposal_site_idx" ON "trial_site_proposal" ("site_id")`,
    );
    await queryRunner.query(
      `ALTER TABLE "trial_site_proposal" ADD CONSTRAINT "trial_site_proposal_trial_fk" FOREIGN KEY ("trial_id") REFERENCES "trial"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "trial_site_proposal" ADD CONSTRAINT "trial_site_proposal_site_fk" FOREIGN KEY ("site_id") REFERENCES "site"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "trial_site_proposal" DROP CONSTRAINT "trial_site_proposal_site_fk"`,
    );
    await queryRunner.query(
      `ALTER TABLE "trial_site_proposal" DROP CONSTRAINT "trial_site_proposal_trial_fk"`,
    );
    await queryRunner.query(`DROP INDEX "public"."trial_site_proposal_site_idx"`);
    await queryRunner.query(`DROP INDEX "public"."trial_site_proposal_trial_site_key"`);
    await queryRunner.query(`DROP TABLE "trial_site_proposal"`);
  }
}
