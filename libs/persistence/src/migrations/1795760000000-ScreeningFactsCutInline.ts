import { MigrationInterface, QueryRunner } from 'typeorm';
// Imported, not copied, from the migration whose SQL `down` restores: that SQL must be the same text to the
// byte, and a migration once released is never edited, so it cannot drift.
import {
  CREATE_KEEP_FIELDS_FUNCTION,
  CREATE_PROFILE_FIELDS_FUNCTION,
  PROFILE_FIELDS,
  READ_FIELDS_DOCUMENT,
  refreshFunction,
} from './1795740000000-ScreeningFactsReadFields';

/**
 * A JSON object cut to `fields`, as one expression: absent keys stay absent, a JSON null is kept. Built with
 * `jsonb_set`, which is immutable, rather than `jsonb_build_object`, which is only stable: PostgreSQL inlines
 * an IMMUTABLE SQL function only when its body is immutable too, and with `jsonb_build_object` it did not.
 */
const keepFields = (document: string, fields: readonly string[]) =>
  fields
    .map(
      (field) =>
        `CASE WHEN ${document} ? '${field}' THEN jsonb_set('{}'::jsonb, '{${field}}', ${document} -> '${field}') ELSE '{}'::jsonb END`,
    )
    .join('\n                     || ');

/**
 * `name(assessment_type, document)`: of an assessment's values or derived fields (`part`), those a profile is
 * built from (PROFILE_FIELDS, the snapshot migration ScreeningFactsReadFields took of the domain's
 * `FIELDS_READ_FOR_PROFILE`). A document that is not an object is returned as it is, an unlisted type keeps
 * nothing: what `jsonb_keep_fields(document, assessment_profile_fields(type).…)` gave.
 */
const cutFunction = (name: string, part: 'values' | 'derived') => {
  const cases = PROFILE_FIELDS.map(
    ([type, values, derived]) => [type, part === 'values' ? values : derived] as const,
  )
    .filter(([, fields]) => fields.length > 0)
    .map(([type, fields]) => `WHEN assessment_type = '${type}' THEN ${keepFields('document', fields)}`);
  return `
      CREATE FUNCTION ${name}(assessment_type text, document jsonb) RETURNS jsonb
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE WHEN jsonb_typeof(document) IS DISTINCT FROM 'object' THEN document
                    ${cases.join('\n                    ')}
                    ELSE '{}'::jsonb END
      $$`;
};

/** The latest assessments document with the fields a profile is built from, cut by the functions above. */
const INLINE_CUT_DOCUMENT = `
  coalesce((SELECT json_agg(json_build_array(l.type, l.qualifier, l.performed_on,
                                             assessment_profile_values(l.type, l.values),
                                             assessment_profile_derived(l.type, l.derived))
                            ORDER BY l.type, l.qualifier)
              FROM participant_latest_assessment l WHERE l.participant_id = i.id), '[]'::json)`;

/**
 * The facts' cut to the fields read, made cheap: the same documents, written by expressions the planner
 * inlines instead of a sub-select and an aggregate per field list.
 *
 * `jsonb_keep_fields` (migration ScreeningFactsReadFields) cut a document with `jsonb_each` and
 * `jsonb_object_agg` in a sub-select, which keeps PostgreSQL from inlining it: each call ran as a function of
 * its own. It is called twice per latest assessment whenever an assessment trigger refreshes a
 * participant's facts (`refresh_latest_assessment_facts`), so it slowed every write of an assessment, the
 * benchmark seed and that migration's rebuild (285 s at 1,000,000 participants, most of it here). Cutting
 * the values of 200,000 PET results took 2.64 s with it and 0.38 s with `assessment_profile_values`,
 * inlined (2 x Intel Xeon, PostgreSQL 15, beside the benchmark seed).
 *
 * The documents written are the same, so nothing is rebuilt; an e2e test (latest-assessments) holds the cut
 * to the domain's fields for every type, and the facts to the latest rows cut so.
 */
export class ScreeningFactsCutInline1795760000000 implements MigrationInterface {
  name = 'ScreeningFactsCutInline1795760000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(cutFunction('assessment_profile_values', 'values'));
    await queryRunner.query(cutFunction('assessment_profile_derived', 'derived'));
    await queryRunner.query(refreshFunction(INLINE_CUT_DOCUMENT));
    await queryRunner.query(`DROP FUNCTION jsonb_keep_fields(jsonb, text[])`);
    await queryRunner.query(`DROP FUNCTION assessment_profile_fields(text)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(CREATE_PROFILE_FIELDS_FUNCTION);
    await queryRunner.query(CREATE_KEEP_FIELDS_FUNCTION);
    await queryRunner.query(refreshFunction(READ_FIELDS_DOCUMENT));
    await queryRunner.query(`DROP FUNCTION assessment_profile_derived(text, jsonb)`);
    await queryRunner.query(`DROP FUNCTION assessment_profile_values(text, jsonb)`);
  }
}
