import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each site is re-screened daily on its own calendar day: `daily_rescreen` holds one row per site and day
 * (unique, so a retried or doubled start creates nothing twice), and a screening run may be scoped to one
 * site and belong to a daily re-screen (one run per trial and daily re-screen).
 */
export class DailyRescreenPerSite1795590000000 implements MigrationInterface {
  name = 'DailyRescreenPerSite1795590000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "daily_rescreen" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "site_id" uuid NOT NULL, "for_date" date NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "daily_rescreen_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "daily_rescreen_site_day_key" ON "daily_rescreen" ("site_id", "for_date")`,
    );
    await queryRunner.query(
      `ALTER TABLE "daily_rescreen" ADD CONSTRAINT "daily_rescreen_site_fk" FOREIGN KEY ("site_id") REFERENCES "site"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(`ALTER TABLE "screening_run" ADD "site_id" uuid`);
    await queryRunner.query(`ALTER TABLE "screening_run" ADD "daily_rescreen_id" uuid`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "screening_run_daily_rescreen_trial_key" ON "screening_run" ("daily_rescreen_id", "trial_id")`,
    );
    await queryRunner.query(
      `ALTER TABLE "screening_run" ADD CONSTRAINT "screening_run_site_fk" FOREIGN KEY ("site_id") REFERENCES "site"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "screening_run" ADD CONSTRAINT "screening_run_daily_rescreen_fk" FOREIGN KEY ("daily_rescreen_id") REFERENCES "daily_rescreen"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "screening_run" DROP CONSTRAINT "screening_run_daily_rescreen_fk"`);
    await queryRunner.query(`ALTER TABLE "screening_run" DROP CONSTRAINT "screening_run_site_fk"`);
    await queryRunner.query(`DROP INDEX "screening_run_daily_rescreen_trial_key"`);
    await queryRunner.query(`ALTER TABLE "screening_run" DROP COLUMN "daily_rescreen_id"`);
    await queryRunner.query(`ALTER TABLE "screening_run" DROP COLUMN "site_id"`);
    await queryRunner.query(`DROP TABLE "daily_rescreen"`);
  }
}
