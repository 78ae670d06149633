import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `eligibility_determination` fills its heap pages to 80 % on insert (fillfactor 80), leaving a fifth of each
 * page to the updates of the rows on it.
 *
 * A determination is stored again whenever its result, criteria version or time-change day moves: a criteria
 * change rewrites every row of its trial, a daily re-screen those whose day came. None of these updates is
 * heap-only (the primary key includes the columns they change, migration DeterminationCoveringKey), but the
 * new version still goes on the row's own page when there is room. On pages filled to the brim there is none:
 * the new version goes to another page and leaves a hole of one row behind, so after a criteria change nearly
 * every page of the table has such a hole. The first screen of the next new trial, a million inserts, then
 * filled those holes about three rows a page, dirtying every page of the table, and the first change of each
 * page after a checkpoint writes the whole page to the WAL. At 100,000 participants that was 31,091 full
 * pages (224 MiB), about half of the bytes of the first screen's full-page images (431 MiB; read with pg_walinspect,
 * docs/PERFORMANCE.md).
 *
 * With the reserve, an update mostly keeps the new version on its page, and an insert takes only a page with
 * a fifth free besides its row: fewer of a new trial's rows go into old pages, and more to fresh pages,
 * which are logged compactly; pages that a moved version left a row short still take some. In the test
 * (determination-pages.e2e-spec.ts) 352 of 400 rewritten rows kept their page against 1 without the reserve,
 * and 81 of a new trial's 400 rows went into old pages against all 400. The price is a heap about a quarter
 * larger for rows written from now on; a re-screen reads the determinations from the primary key alone (an
 * index-only scan), not the heap.
 *
 * A storage parameter only: nothing is rewritten, and rows already stored keep their pages as they are.
 */
export class DeterminationRoomToUpdate1795750000000 implements MigrationInterface {
  name = 'DeterminationRoomToUpdate1795750000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "eligibility_determination" SET (fillfactor = 80)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "eligibility_determination" RESET (fillfactor)`);
  }
}
