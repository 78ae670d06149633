import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The fields a profile is built from, per assessment type: the domain's `FIELDS_READ_FOR_PROFILE` as it was
 * when this was written (a snapshot; an e2e test holds the SQL equal to the domain's map, so a measure that
 * reads a new field fails it until a migration brings the SQL and the facts to it). Migration
 * ScreeningFactsCutInline builds its functions from this list and restores this migration's SQL on `down`:
 * never edit it in place.
 */
export const PROFILE_FIELDS: readonly (readonly [type: string, values: string[], derived: string[]])[] = [
  ['mmse', ['total'], []],
  ['moca', ['total'], []],
  ['cdr', [], ['globalScore', 'sumOfBoxes']],
  ['logical_memory', ['delayedRecall'], []],
  ['fcsrt', ['freeRecall', 'totalRecall'], []],
  ['digit_symbol', ['total'], []],
  ['cfi', ['participant', 'partner'], []],
  ['amyloid_pet', ['suvr', 'visualRead'], ['amyloidStatus', 'centiloid']],
  ['tau_pet', ['suvr'], []],
  ['csf', [], ['amyloidStatus', 'ratios']],
  ['plasma', ['result'], ['amyloidStatus']],
  ['mri', ['ariaE', 'infarcts', 'macrohaemorrhage', 'microhaemorrhages', 'superficialSiderosis'], []],
];

const textArray = (items: readonly string[]) =>
  `ARRAY[${items.map((item) => `'${item}'`).join(', ')}]::text[]`;

/** The latest assessments document, every field kept: as migration ScreeningFacts wrote it (copied). */
const WHOLE_DOCUMENT = `
  coalesce((SELECT json_agg(json_build_array(l.type, l.qualifier, l.performed_on, l.values, l.derived)
                            ORDER BY l.type, l.qualifier)
              FROM participant_latest_assessment l WHERE l.participant_id = i.id), '[]'::json)`;

/** The latest assessments document with only the fields a profile is built from. */
export const READ_FIELDS_DOCUMENT = `
  coalesce((SELECT json_agg(json_build_array(l.type, l.qualifier, l.performed_on,
                                             jsonb_keep_fields(l.values, k.value_fields),
                                             jsonb_keep_fields(l.derived, k.derived_fields))
                            ORDER BY l.type, l.qualifier)
              FROM participant_latest_assessment l CROSS JOIN LATERAL assessment_profile_fields(l.type) k
             WHERE l.participant_id = i.id), '[]'::json)`;

/** As migration ScreeningFacts wrote it (copied, not imported: a migration is a snapshot). */
const LATEST_PERFORMED_ON = `
  (SELECT max(l.performed_on) FROM participant_latest_assessment l WHERE l.participant_id = i.id)`;

/** `refresh_latest_assessment_facts` writing `document`; with WHOLE_DOCUMENT, the body ScreeningFacts gave it. */
export const refreshFunction = (document: string) => `
      CREATE OR REPLACE FUNCTION refresh_latest_assessment_facts(participant_ids text[]) RETURNS void LANGUAGE sql AS $$
        INSERT INTO participant_screening_facts (participant_id, latest_assessments, latest_performed_on)
        SELECT i.id, ${document}, ${LATEST_PERFORMED_ON}
          FROM (SELECT DISTINCT unnest(participant_ids) AS id) i
        ON CONFLICT (participant_id) DO UPDATE
          SET latest_assessments = EXCLUDED.latest_assessments, latest_performed_on = EXCLUDED.latest_performed_on;
      $$`;

/** `assessment_profile_fields(type)`: the fields of PROFILE_FIELDS for one assessment type (none if unlisted). */
export const CREATE_PROFILE_FIELDS_FUNCTION = `
      CREATE FUNCTION assessment_profile_fields(assessment_type text, OUT value_fields text[], OUT derived_fields text[])
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT coalesce(f.value_fields, '{}'), coalesce(f.derived_fields, '{}')
          FROM (SELECT 1) one
          LEFT JOIN (VALUES ${PROFILE_FIELDS.map(
            ([type, values, derived]) => `('${type}', ${textArray(values)}, ${textArray(derived)})`,
          ).join(',\n                            ')}) f(type, value_fields, derived_fields)
            ON f.type = assessment_type
      $$`;

/** `jsonb_keep_fields(document, fields)`: an object cut to the fields named; anything else as it is. */
export const CREATE_KEEP_FIELDS_FUNCTION = `
      CREATE FUNCTION jsonb_keep_fields(document jsonb, fields text[]) RETURNS jsonb
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE WHEN jsonb_typeof(document) = 'object'
                    THEN (SELECT coalesce(jsonb_object_agg(e.key, e.value), '{}'::jsonb)
                            FROM jsonb_each(document) e WHERE e.key = ANY(fields))
                    ELSE document END
      $$`;

/**
 * Screening's facts keep, of each latest assessment, only the fields a profile is built from: the CDR's
 * global score and sum of boxes but not its six boxes, a PET's SUVR, visual read, Centiloid and status but
 * not its pipeline or equation, a CSF's ratios and status but not each analyte. Every re-screen parses every
 * participant's facts; the rest was about a third of them and never read (docs/PERFORMANCE.md). The
 * assessments themselves, and `participant_latest_assessment`, keep everything.
 *
 * The facts are rebuilt here from the tables they summarise, into an emptied table rather than by updating
 * every row, which would leave a dead version of each behind for a vacuum to clear. The table is locked first
 * and until the migration commits (the rebuild took 285 s at 1,000,000 participants on 2 x AMD EPYC, most of
 * it in `jsonb_keep_fields`, twice per latest assessment): screening, the referral funnel and every write of
 * an assessment or a consent (their triggers write the facts) wait meanwhile, so deploy it in a quiet hour. The lock is waited for 10 s at most, so that a long transaction holding the table fails
 * the migration instead of queueing every reader behind it; run it again later.
 */
export class ScreeningFactsReadFields1795740000000 implements MigrationInterface {
  name = 'ScreeningFactsReadFields1795740000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(CREATE_PROFILE_FIELDS_FUNCTION);
    await queryRunner.query(CREATE_KEEP_FIELDS_FUNCTION);
    await queryRunner.query(refreshFunction(READ_FIELDS_DOCUMENT));
    await this.rebuildFacts(queryRunner, READ_FIELDS_DOCUMENT);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(refreshFunction(WHOLE_DOCUMENT));
    await this.rebuildFacts(queryRunner, WHOLE_DOCUMENT);
    await queryRunner.query(`DROP FUNCTION jsonb_keep_fields(jsonb, text[])`);
    await queryRunner.query(`DROP FUNCTION assessment_profile_fields(text)`);
  }

  /**
   * Every facts row again, with its consents as they were and the latest assessments as `document`. The
   * table is locked before anything is read from it: a consent written meanwhile would otherwise be copied
   * as it was before, and lost (its trigger's row emptied by the TRUNCATE).
   */
  private async rebuildFacts(queryRunner: QueryRunner, document: string): Promise<void> {
    await queryRunner.query(`SET LOCAL lock_timeout = '10s'`);
    await queryRunner.query(`LOCK TABLE participant_screening_facts IN ACCESS EXCLUSIVE MODE`);
    await queryRunner.query(`RESET lock_timeout`);
    await queryRunner.query(
      `CREATE TEMPORARY TABLE facts_consents AS SELECT participant_id, consents FROM participant_screening_facts`,
    );
    await queryRunner.query(`TRUNCATE participant_screening_facts`);
    await queryRunner.query(`
      INSERT INTO participant_screening_facts (participant_id, latest_assessments, latest_performed_on, consents)
      SELECT i.id, ${document}, ${LATEST_PERFORMED_ON}, coalesce(c.consents, '[]'::json)
        FROM (SELECT participant_id AS id FROM participant_latest_assessment
              UNION SELECT participant_id FROM facts_consents) i
        LEFT JOIN facts_consents c ON c.participant_id = i.id
       ORDER BY i.id`);
    await queryRunner.query(`DROP TABLE facts_consents`);
    await queryRunner.query(`ANALYZE participant_screening_facts`);
  }
}
