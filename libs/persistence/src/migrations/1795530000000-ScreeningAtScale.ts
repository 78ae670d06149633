import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a cohort-wide re-screen needs to run at registry scale:
 * - `participant_latest_assessment`, the latest assessment of each type and qualifier per participant, kept
 *   by statement-level triggers with transition tables, so a bulk load recomputes each touched participant
 *   once and no application path can forget to maintain it;
 * - no stored explanation on `eligibility_determination`: writing every leaf's explanation made a first
 *   screen of 100,000 participants x 10 trials write about 2 GB of JSON; the eligibility view now
 *   recomputes it from the determination's criteria version and day, and a re-screen writes only the
 *   determinations whose result changed.
 */
export class ScreeningAtScale1795530000000 implements MigrationInterface {
  name = 'ScreeningAtScale1795530000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "participant_latest_assessment" ("participant_id" text NOT NULL, "type" text NOT NULL, "qualifier" text NOT NULL, "assessment_id" uuid NOT NULL, "performed_on" date NOT NULL, "values" jsonb NOT NULL, "derived" jsonb NOT NULL, CONSTRAINT "participant_latest_assessment_pkey" PRIMARY KEY ("participant_id", "type", "qualifier"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "participant_latest_assessment" ADD CONSTRAINT "participant_latest_assessment_participant_fk" FOREIGN KEY ("participant_id") REFERENCES "participant"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "participant_latest_assessment" ADD CONSTRAINT "participant_latest_assessment_assessment_fk" FOREIGN KEY ("assessment_id") REFERENCES "assessment"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(`ALTER TABLE "eligibility_determination" DROP COLUMN "explanation"`);

    // `IN (SELECT unnest(...))` rather than `= ANY(...)`: the planner can hash a large set, whereas ANY is
    // searched linearly for every row of a scan. The qualifier and the tie-break (latest day, then latest recorded) match loadProfiles' history query.
    await queryRunner.query(`
      CREATE FUNCTION assessment_qualifier(type text, vals jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$
        SELECT coalesce(CASE type WHEN 'amyloid_pet' THEN vals->>'tracer' WHEN 'tau_pet' THEN vals->>'tracer'
                                  WHEN 'csf' THEN vals->>'platform' WHEN 'plasma' THEN vals->>'analyte' END, '')
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION refresh_latest_assessments(participant_ids text[]) RETURNS void LANGUAGE sql AS $$
        DELETE FROM participant_latest_assessment WHERE participant_id IN (SELECT unnest(participant_ids));
        INSERT INTO participant_latest_assessment (participant_id, type, qualifier, assessment_id, performed_on, values, derived)
        SELECT DISTINCT ON (a.participant_id, a.type, assessment_qualifier(a.type, a.values))
               a.participant_id, a.type, assessment_qualifier(a.type, a.values), a.id, a.performed_on, a.values, a.derived
          FROM assessment a WHERE a.participant_id IN (SELECT unnest(participant_ids))
         ORDER BY a.participant_id, a.type, assessment_qualifier(a.type, a.values), a.performed_on DESC, a.created_at DESC;
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION assessment_maintain_latest() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          PERFORM refresh_latest_assessments(ARRAY(SELECT DISTINCT participant_id FROM new_rows));
        ELSIF TG_OP = 'UPDATE' THEN
          PERFORM refresh_latest_assessments(ARRAY(SELECT participant_id FROM new_rows UNION SELECT participant_id FROM old_rows));
        ELSE
          PERFORM refresh_latest_assessments(ARRAY(SELECT DISTINCT participant_id FROM old_rows));
        END IF;
        RETURN NULL;
      END $$`);
    // Transition tables allow one event per trigger, hence three triggers on one function.
    await queryRunner.query(
      `CREATE TRIGGER assessment_latest_after_insert AFTER INSERT ON assessment REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION assessment_maintain_latest()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER assessment_latest_after_update AFTER UPDATE ON assessment REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION assessment_maintain_latest()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER assessment_latest_after_delete AFTER DELETE ON assessment REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION assessment_maintain_latest()`,
    );
    await queryRunner.query(`
      INSERT INTO participant_latest_assessment (participant_id, type, qualifier, assessment_id, performed_on, values, derived)
      SELECT DISTINCT ON (a.participant_id, a.type, assessment_qualifier(a.type, a.values))
             a.participant_id, a.type, assessment_qualifier(a.type, a.values), a.id, a.performed_on, a.values, a.derived
        FROM assessment a
       ORDER BY a.participant_id, a.type, assessment_qualifier(a.type, a.values), a.performed_on DESC, a.created_at DESC`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER assessment_latest_after_delete ON assessment`);
    await queryRunner.query(`DROP TRIGGER assessment_latest_after_update ON assessment`);
    await queryRunner.query(`DROP TRIGGER assessment_latest_after_insert ON assessment`);
    await queryRunner.query(`DROP FUNCTION assessment_maintain_latest()`);
    await queryRunner.query(`DROP FUNCTION refresh_latest_assessments(text[])`);
    await queryRunner.query(`DROP FUNCTION assessment_qualifier(text, jsonb)`);
    await queryRunner.query(
      `ALTER TABLE "eligibility_determination" ADD "explanation" jsonb NOT NULL DEFAULT '{}'::jsonb`,
    );
    await queryRunner.query(
      `ALTER TABLE "eligibility_determination" ALTER COLUMN "explanation" DROP DEFAULT`,
    );
    await queryRunner.query(`DROP TABLE "participant_latest_assessment"`);
  }
}
