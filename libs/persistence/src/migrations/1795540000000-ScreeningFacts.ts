import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The body of `refresh_latest_assessments` as ScreeningAtScale wrote it (copied, not imported: a migration
 * is a snapshot). `up` adds the facts refresh after it; `down` puts it back alone.
 */
const REFRESH_LATEST_ROWS = `
        DELETE FROM participant_latest_assessment WHERE participant_id IN (SELECT unnest(participant_ids));
        INSERT INTO participant_latest_assessment (participant_id, type, qualifier, assessment_id, performed_on, values, derived)
        SELECT DISTINCT ON (a.participant_id, a.type, assessment_qualifier(a.type, a.values))
               a.participant_id, a.type, assessment_qualifier(a.type, a.values), a.id, a.performed_on, a.values, a.derived
          FROM assessment a WHERE a.participant_id IN (SELECT unnest(participant_ids))
         ORDER BY a.participant_id, a.type, assessment_qualifier(a.type, a.values), a.performed_on DESC, a.created_at DESC;`;

/** The latest assessments of the participants in `participant_ids`, as `loadProfiles` reads them. */
const LATEST_ASSESSMENTS_DOCUMENT = `
  coalesce((SELECT json_agg(json_build_array(l.type, l.qualifier, l.performed_on, l.values, l.derived)
                            ORDER BY l.type, l.qualifier)
              FROM participant_latest_assessment l WHERE l.participant_id = i.id), '[]'::json)`;

/**
 * The day of the most recent of those assessments: screening on an earlier day (a look into the past)
 * reads the history instead, and this says so without opening the document.
 */
const LATEST_PERFORMED_ON = `
  (SELECT max(l.performed_on) FROM participant_latest_assessment l WHERE l.participant_id = i.id)`;

/** Every consent of a participant: [signed on, scopes, [[scope, withdrawn on], ...]]. */
const CONSENTS_DOCUMENT = `
  coalesce((SELECT json_agg(json_build_array(pc.signed_on, pc.scopes,
                              coalesce((SELECT json_agg(json_build_array(w.scope, w.withdrawn_on) ORDER BY w.scope)
                                          FROM consent_withdrawal w WHERE w.participant_consent_id = pc.id), '[]'::json))
                            ORDER BY pc.signed_on, pc.id)
              FROM participant_consent pc WHERE pc.participant_id = i.id), '[]'::json)`;

/**
 * `participant_screening_facts`: one row per participant with what screening reads besides the participant
 * row, as two JSON documents: the latest assessment of each type and qualifier, and every consent with its
 * withdrawals. A cohort re-screen reads it by primary key, one row per participant, instead of about ten
 * latest-assessment rows and a consent/withdrawal join per participant (measured on a cohort being seeded:
 * 27 ms instead of 60 ms a batch of 1,000). Which scopes are held on a day is worked out from the consents
 * document by the domain's `scopesHeld`, the one place that rule lives.
 *
 * `json`, not `jsonb`: the documents are only ever read whole, and `json` is sent as stored, without the
 * conversion to text that `jsonb` costs on every read.
 *
 * Kept by statement-level triggers, like `participant_latest_assessment` (which feeds the first document),
 * so that every writer, bulk loads included, keeps it right.
 */
export class ScreeningFacts1795540000000 implements MigrationInterface {
  name = 'ScreeningFacts1795540000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "participant_screening_facts" ("participant_id" text NOT NULL, "latest_assessments" json NOT NULL DEFAULT '[]', "latest_performed_on" date, "consents" json NOT NULL DEFAULT '[]', CONSTRAINT "participant_screening_facts_pkey" PRIMARY KEY ("participant_id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "participant_screening_facts" ADD CONSTRAINT "participant_screening_facts_participant_fk" FOREIGN KEY ("participant_id") REFERENCES "participant"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );

    await queryRunner.query(`
      CREATE FUNCTION refresh_latest_assessment_facts(participant_ids text[]) RETURNS void LANGUAGE sql AS $$
        INSERT INTO participant_screening_facts (participant_id, latest_assessments, latest_performed_on)
        SELECT i.id, ${LATEST_ASSESSMENTS_DOCUMENT}, ${LATEST_PERFORMED_ON}
          FROM (SELECT DISTINCT unnest(participant_ids) AS id) i
        ON CONFLICT (participant_id) DO UPDATE
          SET latest_assessments = EXCLUDED.latest_assessments, latest_performed_on = EXCLUDED.latest_performed_on;
      $$`);
    // The latest rows are refreshed first, then the document from them.
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION refresh_latest_assessments(participant_ids text[]) RETURNS void LANGUAGE sql AS $$${REFRESH_LATEST_ROWS}
        SELECT refresh_latest_assessment_facts(participant_ids);
      $$`);

    await queryRunner.query(`
      CREATE FUNCTION refresh_consent_facts(participant_ids text[]) RETURNS void LANGUAGE sql AS $$
        INSERT INTO participant_screening_facts (participant_id, consents)
        SELECT i.id, ${CONSENTS_DOCUMENT}
          FROM (SELECT DISTINCT unnest(participant_ids) AS id) i
        ON CONFLICT (participant_id) DO UPDATE SET consents = EXCLUDED.consents;
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION participant_consent_maintain_facts() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          PERFORM refresh_consent_facts(ARRAY(SELECT participant_id FROM new_rows));
        ELSIF TG_OP = 'UPDATE' THEN
          PERFORM refresh_consent_facts(ARRAY(SELECT participant_id FROM new_rows UNION SELECT participant_id FROM old_rows));
        ELSE
          PERFORM refresh_consent_facts(ARRAY(SELECT participant_id FROM old_rows));
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION consent_withdrawal_maintain_facts() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          PERFORM refresh_consent_facts(ARRAY(SELECT pc.participant_id FROM new_rows n
                                                JOIN participant_consent pc ON pc.id = n.participant_consent_id));
        ELSIF TG_OP = 'UPDATE' THEN
          PERFORM refresh_consent_facts(ARRAY(SELECT pc.participant_id
                                                FROM (SELECT participant_consent_id FROM new_rows
                                                      UNION SELECT participant_consent_id FROM old_rows) c
                                                JOIN participant_consent pc ON pc.id = c.participant_consent_id));
        ELSE
          PERFORM refresh_consent_facts(ARRAY(SELECT pc.participant_id FROM old_rows o
                                                JOIN participant_consent pc ON pc.id = o.participant_consent_id));
        END IF;
        RETURN NULL;
      END $$`);
    // Transition tables allow one event per trigger, hence three triggers per table.
    for (const [table, fn] of [
      ['participant_consent', 'participant_consent_maintain_facts'],
      ['consent_withdrawal', 'consent_withdrawal_maintain_facts'],
    ]) {
      await queryRunner.query(
        `CREATE TRIGGER ${table}_facts_after_insert AFTER INSERT ON ${table} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`,
      );
      await queryRunner.query(
        `CREATE TRIGGER ${table}_facts_after_update AFTER UPDATE ON ${table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`,
      );
      await queryRunner.query(
        `CREATE TRIGGER ${table}_facts_after_delete AFTER DELETE ON ${table} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`,
      );
    }

    // Every participant with an assessment or a consent gets their row now.
    await queryRunner.query(`
      INSERT INTO participant_screening_facts (participant_id, latest_assessments, latest_performed_on, consents)
      SELECT i.id, ${LATEST_ASSESSMENTS_DOCUMENT}, ${LATEST_PERFORMED_ON}, ${CONSENTS_DOCUMENT}
        FROM (SELECT participant_id AS id FROM participant_latest_assessment
              UNION SELECT participant_id FROM participant_consent) i`);
    await queryRunner.query(`ANALYZE participant_screening_facts`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['participant_consent', 'consent_withdrawal']) {
      for (const event of ['insert', 'update', 'delete'])
        await queryRunner.query(`DROP TRIGGER ${table}_facts_after_${event} ON ${table}`);
    }
    await queryRunner.query(`DROP FUNCTION consent_withdrawal_maintain_facts()`);
    await queryRunner.query(`DROP FUNCTION participant_consent_maintain_facts()`);
    await queryRunner.query(`DROP FUNCTION refresh_consent_facts(text[])`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION refresh_latest_assessments(participant_ids text[]) RETURNS void LANGUAGE sql AS $$${REFRESH_LATEST_ROWS}
      $$`);
    await queryRunner.query(`DROP FUNCTION refresh_latest_assessment_facts(text[])`);
    await queryRunner.query(`DROP TABLE "participant_screening_facts"`);
  }
}
