import type { DataSource } from 'typeorm';
import { BENCH_AGE_BANDS } from './bench-cohort';

/**
 * The floor: the benchmark trials' criteria written by hand as one SQL query over the same tables the
 * engine reads (participant, consent, latest assessments), answering only "eligible or not" per trial.
 * It explains nothing, has no third truth value and writes nothing, so it bounds from below what any
 * screening of this data in this database can cost. Eligible counts must equal the engine's: eligible
 * means every leaf passes, which two-valued logic decides the same way.
 */
const READY = `p.status IN ('enrolled', 'screening') AND p.study_partner_available AND c.recontact`;

const A4 = `l.cdr = 0 AND l.cdr_on >= p.day - 90
  AND l.mmse BETWEEN 25 AND 30 AND l.mmse_on >= p.day - 90
  AND l.lm BETWEEN 6 AND 18 AND l.lm_on >= p.day - 90
  AND l.fbp_suvr >= 1.15 AND l.fbp_on >= p.day - 365
  AND l.micro <= 4 AND l.siderosis = false AND l.mri_on >= p.day - 90`;

const AHEAD = (amyloid: string) => `(p.age >= 65 OR (p.family_history AND p.family_history_onset_age < 75)
       OR p.apoe_genotype LIKE '%e4%' OR l.pet_status = 'positive' OR l.csf_status = 'positive')
  AND l.cdr = 0 AND l.cdr_on >= p.day - 90
  AND l.mmse >= 27 AND l.mmse_on >= p.day - 90
  AND l.lm >= 6 AND l.lm_on >= p.day - 90
  AND ${amyloid} AND l.cl_on >= p.day - 365
  AND l.micro <= 4 AND l.siderosis = false AND l.macro = false AND l.mri_on >= p.day - 90`;

const CONDITIONS: Record<string, string> = {
  a4: A4,
  'ahead-a3': AHEAD('l.centiloid BETWEEN 20 AND 40'),
  'ahead-a45': AHEAD('l.centiloid > 40'),
  'trailblazer-alz-3': `l.ptau217 = 'positive' AND l.ptau217_on >= p.day - 180`,
};

export function floorQuery(): string {
  const columns = BENCH_AGE_BANDS.map(
    ([key, min, max], index) =>
      `count(*) FILTER (WHERE p.age BETWEEN ${min} AND ${max} AND ${READY} AND ${CONDITIONS[key]}) AS t${index}`,
  );
  return `
    WITH p AS (
      SELECT p.*, d.day, extract(year FROM age(d.day, p.birth_date))::int AS age
        FROM participant p JOIN site s ON s.id = p.site_id
        CROSS JOIN LATERAL (SELECT (now() AT TIME ZONE s.time_zone)::date AS day) d
    ),
    c AS (
      SELECT p.id, EXISTS (
        SELECT 1 FROM participant_consent pc
         WHERE pc.participant_id = p.id AND 'recontact_for_trials' = ANY(pc.scopes) AND pc.signed_on <= p.day
           AND NOT EXISTS (SELECT 1 FROM consent_withdrawal w WHERE w.participant_consent_id = pc.id
                            AND w.scope = 'recontact_for_trials' AND w.withdrawn_on <= p.day)) AS recontact
        FROM p
    ),
    l AS (
      SELECT participant_id,
             max((values->>'total')::numeric) FILTER (WHERE type = 'mmse') AS mmse,
             max(performed_on) FILTER (WHERE type = 'mmse') AS mmse_on,
             max((derived->>'globalScore')::numeric) FILTER (WHERE type = 'cdr') AS cdr,
             max(performed_on) FILTER (WHERE type = 'cdr') AS cdr_on,
             max((values->>'delayedRecall')::numeric) FILTER (WHERE type = 'logical_memory') AS lm,
             max(performed_on) FILTER (WHERE type = 'logical_memory') AS lm_on,
             max((values->>'suvr')::numeric) FILTER (WHERE type = 'amyloid_pet' AND qualifier = 'florbetapir') AS fbp_suvr,
             max(performed_on) FILTER (WHERE type = 'amyloid_pet' AND qualifier = 'florbetapir') AS fbp_on,
             (array_agg((derived->>'centiloid')::numeric ORDER BY performed_on DESC) FILTER (WHERE type = 'amyloid_pet'))[1] AS centiloid,
             max(performed_on) FILTER (WHERE type = 'amyloid_pet') AS cl_on,
             (array_agg(derived->>'amyloidStatus' ORDER BY performed_on DESC)
                FILTER (WHERE type = 'amyloid_pet' AND derived->>'amyloidStatus' <> 'unknown'))[1] AS pet_status,
             (array_agg(derived->>'amyloidStatus' ORDER BY performed_on DESC)
                FILTER (WHERE type = 'csf' AND derived->>'amyloidStatus' <> 'unknown'))[1] AS csf_status,
             max((values->>'microhaemorrhages')::int) FILTER (WHERE type = 'mri') AS micro,
             bool_or((values->>'superficialSiderosis')::boolean) FILTER (WHERE type = 'mri') AS siderosis,
             bool_or((values->>'macrohaemorrhage')::boolean) FILTER (WHERE type = 'mri') AS macro,
             max(performed_on) FILTER (WHERE type = 'mri') AS mri_on,
             max(values->>'result') FILTER (WHERE type = 'plasma' AND qualifier = 'ptau217') AS ptau217,
             max(performed_on) FILTER (WHERE type = 'plasma' AND qualifier = 'ptau217') AS ptau217_on
        FROM participant_latest_assessment GROUP BY participant_id
    )
    SELECT ${columns.join(',\n           ')}
      FROM p JOIN c ON c.id = p.id JOIN l ON l.participant_id = p.id`;
}

/** Runs the floor query; returns its time and the eligible count per benchmark trial. */
export async function runFloor(dataSource: DataSource): Promise<{ seconds: number; eligible: number[] }> {
  const started = process.hrtime.bigint();
  const [row] = await dataSource.query<Record<string, string>[]>(floorQuery());
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, eligible: BENCH_AGE_BANDS.map((_, index) => Number(row[`t${index}`])) };
}
