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
 *
 * Built CONCURRENTLY, outside a transaction, under a new name that then replaces the old one: at that size
 * a plain CREATE INDEX would hold every read and write of the table for the minute the build takes. A run
 * interrupted before the rename leaves an index under the new name (invalid if its build was cut short): drop
 * it by hand before running the migration again.
 */
export class DeterminationTimeChangeByTrial1795710000000 implements MigrationInterface {
  name = 'DeterminationTimeChangeByTrial1795710000000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await replaceIndex(queryRunner, `("trial_id", "changes_with_time_on")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await replaceIndex(queryRunner, `("changes_with_time_on")`);
  }
}

/**
 * Builds the index on `columns` in place of the current one. TypeORM's revert ignores `transaction = false`
 * and runs `down` inside a transaction, where CONCURRENTLY is refused: there the index is built plainly.
 */
async function replaceIndex(queryRunner: QueryRunner, columns: string): Promise<void> {
  const concurrently = queryRunner.isTransactionActive ? '' : 'CONCURRENTLY';
  await queryRunner.query(
    `CREATE INDEX ${concurrently} "eligibility_determination_time_change_next_idx" ON "eligibility_determination" ${columns}`,
  );
  await queryRunner.query(`DROP INDEX ${concurrently} "eligibility_determination_time_change_idx"`);
  await queryRunner.query(
    `ALTER INDEX "eligibility_determination_time_change_next_idx" RENAME TO "eligibility_determination_time_change_idx"`,
  );
}
