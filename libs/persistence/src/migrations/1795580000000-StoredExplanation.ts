import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each determination keeps the explanation it was made with, so that the eligibility view never shows a
 * stored result beside an explanation worked out later from other data. Only the leaf judgements are kept
 * (the domain's StoredExplanation record, about 150 bytes): the criteria version's document gives the words
 * and the tree. `json`, not `jsonb`: the record is only ever read whole by the application, and `jsonb`
 * stores the same small arrays in about three times the space (ScreeningAtScale dropped a whole-explanation
 * `jsonb` column for its size).
 *
 * Null on rows stored before: screening rewrites those once, with the explanation, without counting it as a
 * change of result.
 */
export class StoredExplanation1795580000000 implements MigrationInterface {
  name = 'StoredExplanation1795580000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "eligibility_determination" ADD "leaf_judgements" json`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "eligibility_determination" DROP COLUMN "leaf_judgements"`);
  }
}
