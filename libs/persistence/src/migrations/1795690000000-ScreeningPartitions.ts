import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A cohort run (the screening runs one job walks together) is split into partitions by participant id range,
 * each walked by its own job, so that several workers share one run. `screening_partition` holds each range
 * (after `after_id`, through `through_id`; null: open at that end), its own cursor and when it finished; the
 * runs walked together are named by their first run (as the job id of `run-screening` is). The runs' own
 * cursor goes: a run in flight keeps its place as a single partition, resumed after that cursor.
 */
export class ScreeningPartitions1795690000000 implements MigrationInterface {
  name = 'ScreeningPartitions1795690000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "screening_partition" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "run_id" uuid NOT NULL, "ordinal" integer NOT NULL, "after_id" text, "through_id" text, "cursor" text, "screened" integer NOT NULL DEFAULT '0', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "screening_partition_ordinal_valid" CHECK ("ordinal" >= 0), CONSTRAINT "screening_partition_screened_valid" CHECK ("screened" >= 0), CONSTRAINT "screening_partition_bounds" CHECK ("after_id" IS NULL OR "through_id" IS NULL OR "after_id" < "through_id"), CONSTRAINT "screening_partition_cursor_in_range" CHECK ("cursor" IS NULL OR (("after_id" IS NULL OR "cursor" > "after_id") AND ("through_id" IS NULL OR "cursor" <= "through_id"))), CONSTRAINT "screening_partition_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "screening_partition_run_ordinal_key" ON "screening_partition" ("run_id", "ordinal") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "screening_partition_run_first_key" ON "screening_partition" ("run_id") WHERE "after_id" IS NULL`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "screening_partition_run_last_key" ON "screening_partition" ("run_id") WHERE "through_id" IS NULL`,
    );
    await queryRunner.query(
      `ALTER TABLE "screening_partition" ADD CONSTRAINT "screening_partition_run_fk" FOREIGN KEY ("run_id") REFERENCES "screening_run"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    // Runs in flight resume where they stood, as one partition named by the first run of those walked
    // together (a site's daily re-screen: its runs; otherwise the run alone), after the smallest cursor, as
    // the walk took it before; runs of which one had not committed a batch yet are split afresh.
    await queryRunner.query(
      `INSERT INTO "screening_partition" ("run_id", "ordinal", "cursor")
       SELECT (array_agg("id" ORDER BY "id"))[1], 0, min("cursor") FROM "screening_run"
        WHERE "finished_at" IS NULL
        GROUP BY coalesce("daily_rescreen_id", "id")
       HAVING bool_and("cursor" IS NOT NULL)`,
    );
    await queryRunner.query(`ALTER TABLE "screening_run" DROP COLUMN "cursor"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "screening_run" ADD "cursor" text`);
    // A run in flight resumes after its first unfinished partition's place: partitions after it that had
    // started are walked again (judging someone again writes nothing that has not changed).
    await queryRunner.query(
      `UPDATE "screening_run" r SET "cursor" = f.resume_after
         FROM (SELECT DISTINCT ON (p."run_id") p."run_id", coalesce(p."cursor", p."after_id") AS resume_after
                 FROM "screening_partition" p WHERE p."finished_at" IS NULL ORDER BY p."run_id", p."ordinal") f
         JOIN "screening_run" lead ON lead."id" = f."run_id"
        WHERE r."finished_at" IS NULL
          AND (r."id" = lead."id" OR r."daily_rescreen_id" = lead."daily_rescreen_id")`,
    );
    await queryRunner.query(`ALTER TABLE "screening_partition" DROP CONSTRAINT "screening_partition_run_fk"`);
    await queryRunner.query(`DROP INDEX "public"."screening_partition_run_last_key"`);
    await queryRunner.query(`DROP INDEX "public"."screening_partition_run_first_key"`);
    await queryRunner.query(`DROP INDEX "public"."screening_partition_run_ordinal_key"`);
    await queryRunner.query(`DROP TABLE "screening_partition"`);
  }
}
