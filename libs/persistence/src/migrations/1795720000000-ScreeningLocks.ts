import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `participant_screening_lock`: one narrow row per participant, the row screening locks while it judges and
 * writes them, in place of the participant's own row.
 *
 * Locking a row writes to its page, and after each checkpoint the first write to a page puts the whole page
 * in the WAL. Participant rows are wide (about 30 to a page) and lie in the order people were enrolled, site
 * after site interleaved, so a batch of participants in id order locked rows on pages all over the table: a
 * first screen of one trial over 1,000,000 participants wrote 189,000 full participant pages to the WAL, a
 * quarter of its WAL (docs/PERFORMANCE.md). Lock rows are an id each (about 200 to a page), written here in
 * id order, so a batch locks a handful of pages. Locking them also no longer holds up a coordinator's change
 * to the participant row: that change's own screening, queued by its event, takes the lock and judges the
 * data as changed.
 *
 * Every participant has their lock row from the statement that inserts them (a statement-level trigger, so
 * bulk loads are covered too); a lock row goes with its participant.
 */
export class ScreeningLocks1795720000000 implements MigrationInterface {
  name = 'ScreeningLocks1795720000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "participant_screening_lock" ("participant_id" text NOT NULL, CONSTRAINT "participant_screening_lock_pkey" PRIMARY KEY ("participant_id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "participant_screening_lock" ADD CONSTRAINT "participant_screening_lock_participant_fk" FOREIGN KEY ("participant_id") REFERENCES "participant"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `INSERT INTO participant_screening_lock (participant_id) SELECT id FROM participant ORDER BY id`,
    );
    await queryRunner.query(`
      CREATE FUNCTION participant_add_screening_lock() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO participant_screening_lock (participant_id) SELECT id FROM new_rows ORDER BY id;
        RETURN NULL;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER participant_screening_lock_after_insert AFTER INSERT ON participant REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION participant_add_screening_lock()`,
    );
    await queryRunner.query(`ANALYZE participant_screening_lock`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER participant_screening_lock_after_insert ON participant`);
    await queryRunner.query(`DROP FUNCTION participant_add_screening_lock()`);
    await queryRunner.query(`DROP TABLE "participant_screening_lock"`);
  }
}
