import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `eligibility_determination.changes_with_time_on`: the first day on which the determination could change
 * with the passing of time alone (a birthday entering or leaving an age band, a result leaving its recency
 * window), computed by the domain (`nextChangeWithTime`) whenever screening writes the row. A site's daily
 * re-screen walks only the participants with a row whose day has come, through the index, instead of the
 * whole site.
 *
 * '-infinity' on rows stored before, and as the default: not computed yet, so due on the next daily run,
 * which computes and stores it. 'infinity': time alone never changes the determination.
 */
export class DeterminationTimeChangeDay1795640000000 implements MigrationInterface {
  name = 'DeterminationTimeChangeDay1795640000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "eligibility_determination" ADD "changes_with_time_on" date NOT NULL DEFAULT '-infinity'`,
    );
    await queryRunner.query(
      `CREATE INDEX "eligibility_determination_time_change_idx" ON "eligibility_determination" ("changes_with_time_on")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "eligibility_determination_time_change_idx"`);
    await queryRunner.query(`ALTER TABLE "eligibility_determination" DROP COLUMN "changes_with_time_on"`);
  }
}
