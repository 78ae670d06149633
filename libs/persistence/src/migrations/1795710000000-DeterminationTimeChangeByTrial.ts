import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The time-change index of `eligibility_determination` keyed by trial first: (trial_id,
 * changes_with_time_on) instead of (changes_with_time_on).
 *
 * Every reader asks for the determinations of some trials whose day has come (`trial_id = ANY(...) AND
 * changes_with_time_on <= day`), which the new key answers as well. What changes is the writing: a first
 * screen or a criteria change writes a determination per participant for one trial, each with a day spread
 * over the coming years, and with the day alone as key every one of them landed on a random leaf page of an
 * index of all trials' determinations (10,000,000 rows at 1,000,000 participants and ten trials). After each
 * checkpoint the first change to a page writes the whole page to the WAL, so that index alone wrote an
 * estimated half of the 6 GiB of WAL of one trial's first screen at that size (docs/PERFORMANCE.md). With the
 * trial first, one trial's writes touch only its own tenth of the index.
 */
export class DeterminationTimeChangeByTrial1795710000000 implements MigrationInterface {
  name = 'DeterminationTimeChangeByTrial1795710000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "eligibility_determination_time_change_idx"`);
    await queryRunner.query(
      `CREATE INDEX "eligibility_determination_time_change_idx" ON "eligibility_determination" ("trial_id", "changes_with_time_on")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "eligibility_determination_time_change_idx"`);
    await queryRunner.query(
      `CREATE INDEX "eligibility_determination_time_change_idx" ON "eligibility_determination" ("changes_with_time_on")`,
    );
  }
}
