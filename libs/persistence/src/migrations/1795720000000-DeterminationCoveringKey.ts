import { MigrationInterface, QueryRunner } from 'typeorm';

/** What a re-screen reads of every stored determination besides its key (see `queryParticipants`). */
const COVERED = `("criteria_version", "result", "one_test_away", "changes_with_time_on")`;

/**
 * The primary key of `eligibility_determination` carries what a re-screen reads of each determination
 * (criteria version, result, one test away, time-change day) as INCLUDE columns, and a partial index finds
 * the rows stored before explanations were kept.
 *
 * A cohort re-screen reads every participant's determinations, ten per participant at ten trials. Each
 * trial's rows were written by its own first screen, a pass over the whole cohort, so a participant's ten
 * rows lie on ten different heap pages: through the key alone, every participant cost ten heap visits. Their
 * ten key entries, by contrast, sit side by side, so with the columns read in the key the read is an
 * index-only scan of one leaf page for several participants (wherever vacuum has marked the heap pages all
 * visible, which it does for the rows a re-screen finds unchanged). The figures are in docs/PERFORMANCE.md.
 *
 * The one other thing a re-screen reads of a determination, whether an explanation is stored, is answered
 * by the partial index, empty once every row has one: new rows always do.
 *
 * The price: a column in an index, included or in a partial index's predicate (`leaf_judgements`), rules out
 * heap-only updates, so every determination stored again adds an entry to each index of the table. Few were
 * heap-only before: storing again rewrites the explanation, and a heap-only update needs room on the same
 * page, which a first screen leaves full. The criteria change of one trial at 1,000,000 took 91.69-104.22 s
 * after this change against 100.08-116.21 s before it.
 *
 * Built CONCURRENTLY, outside a transaction, then swapped in as the key (`ADD PRIMARY KEY USING INDEX`, a
 * catalogue change): at 10,000,000 rows a plain rebuild would hold every read and write of the table for the
 * minutes it takes. The swap itself needs the table's exclusive lock for a moment; behind a long read it
 * would wait with every other read and write queued behind it, so it gives up after 10 s instead. A run that
 * stops before the swap (that timeout, or an interruption) leaves an index named
 * `eligibility_determination_pkey_next` (invalid if its build was cut short): drop it by hand, then run the
 * migration again.
 */
export class DeterminationCoveringKey1795720000000 implements MigrationInterface {
  name = 'DeterminationCoveringKey1795720000000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await replacePrimaryKey(queryRunner, `INCLUDE ${COVERED}`);
    await queryRunner.query(
      `CREATE INDEX ${concurrently(queryRunner)} "eligibility_determination_unexplained_idx" ON "eligibility_determination" ("participant_id") WHERE "leaf_judgements" IS NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP INDEX ${concurrently(queryRunner)} "eligibility_determination_unexplained_idx"`,
    );
    await replacePrimaryKey(queryRunner, '');
  }
}

/**
 * TypeORM's revert ignores `transaction = false` and runs `down` inside a transaction, where CONCURRENTLY is
 * refused: there the indexes are built plainly.
 */
function concurrently(queryRunner: QueryRunner): string {
  return queryRunner.isTransactionActive ? '' : 'CONCURRENTLY';
}

async function replacePrimaryKey(queryRunner: QueryRunner, include: string): Promise<void> {
  await queryRunner.query(
    `CREATE UNIQUE INDEX ${concurrently(queryRunner)} "eligibility_determination_pkey_next" ON "eligibility_determination" ("participant_id", "trial_id") ${include}`,
  );
  // Renames the index to the constraint's name.
  await queryRunner.query(`SET lock_timeout = '10s'`);
  try {
    await queryRunner.query(
      `ALTER TABLE "eligibility_determination" DROP CONSTRAINT "eligibility_determination_pkey",
         ADD CONSTRAINT "eligibility_determination_pkey" PRIMARY KEY USING INDEX "eligibility_determination_pkey_next"`,
    );
  } finally {
    await queryRunner.query(`RESET lock_timeout`);
  }
}
