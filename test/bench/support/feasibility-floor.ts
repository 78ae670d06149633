import { AmyloidModality, CountTable, POOL_GROUPS, SEXES } from '@registry/domain';
import type { QueryRunner } from 'typeorm';
import type { FeasibilityVariant } from './feasibility-documents';

/**
 * The SQL floor of a feasibility question: the template families' criteria restated by hand, as the
 * benchmark's floors do on purpose (docs/ARCHITECTURE.md), to check the engine against and to time what the
 * same counts cost written directly against the tables.
 *
 * Each top-level criterion is a SQL boolean in Kleene's logic, as the engine judges it: TRUE passes, FALSE
 * fails and NULL is unknown (no result, or a result older than its window), and SQL's AND, OR and NOT on
 * NULL are Kleene's. A participant remains after a step while none of the steps so far is FALSE: an unknown
 * does not exclude anyone. Only participants counted for sponsors are read, through a temporary table of
 * their ids that the benchmark fills from the profiles (`countedForSponsors`), so the consent rule for
 * sponsors is not restated here.
 */

/** The temporary table of the ids counted for sponsors; it lives on the floor's own connection. */
export const COUNTED_TABLE = 'feasibility_counted';

/** What the floor answers and what it is compared on: the funnel and the final pool by site and by sex. */
export interface FunnelCounts {
  start: number;
  /** Remaining after each top-level criterion, in order. */
  remaining: number[];
  finalBySite: Record<string, number>;
  finalBySex: Record<string, number>;
}

/** A top-level criterion as SQL over `x` (the participant on their site's day) and `l` (latest results). */
interface FloorStep {
  name: string;
  sql: string;
  /** The assessment types it reads. */
  reads: string[];
}

/** A result's test, unknown without a value or when older than `days` on the participant's day. */
const recent = (value: string, on: string, test: string, days: number) =>
  `CASE WHEN ${value} IS NULL THEN NULL WHEN ${on} < x.day - ${days} THEN NULL ELSE ${test} END`;

const ageBand = ([min, max]: readonly [number, number]) => `x.age BETWEEN ${min} AND ${max}`;

/** Unknown for an unknown genotype; else whether it has an e4 allele (genotypes are written `e3/e4`). */
const APOE_CARRIER = `CASE WHEN x.apoe_genotype = 'unknown' THEN NULL ELSE x.apoe_genotype LIKE '%e4%' END`;

/** Each modality's own latest known status decides (`decidedBy: 'any_modality'`), positive wanted, no window. */
const anyModalityPositive = (modalities: readonly AmyloidModality[]) =>
  `CASE WHEN ${modalities.map((m) => `l.${m}_status = 'positive'`).join(' OR ')} THEN TRUE
        WHEN ${modalities.map((m) => `l.${m}_status IS NOT NULL`).join(' OR ')} THEN FALSE END`;

const MODALITY_ASSESSMENT: Record<AmyloidModality, string> = {
  [AmyloidModality.Pet]: 'amyloid_pet',
  [AmyloidModality.Csf]: 'csf',
  [AmyloidModality.Plasma]: 'plasma',
};

const REGISTRY_READY: FloorStep[] = [
  { name: 'status', sql: `x.status IN ('enrolled', 'screening')`, reads: [] },
  { name: 'consent', sql: `x.recontact`, reads: [] },
  // Commitments to trials are the in_trial status until referrals arrive (load-profiles.ts).
  { name: 'not_in_other_trial', sql: `x.status <> 'in_trial'`, reads: [] },
  { name: 'study_partner', sql: `x.study_partner_available`, reads: [] },
];

/** The top-level criteria of a variant, in its document's order. */
function floorSteps(v: FeasibilityVariant): FloorStep[] {
  const { cognition, mri, amyloidPet, plasma } = v.windows;
  const cdrZero = { name: 'cdr', sql: recent('l.cdr', 'l.cdr_on', 'l.cdr = 0', cognition), reads: ['cdr'] };
  const mmse = (test: string) => ({
    name: 'mmse',
    sql: recent('l.mmse', 'l.mmse_on', `l.mmse ${test}`, cognition),
    reads: ['mmse'],
  });
  const memory = (test: string) => ({
    name: 'logical_memory',
    sql: recent('l.lm', 'l.lm_on', `l.lm ${test}`, cognition),
    reads: ['logical_memory'],
  });
  const mriStep = (name: string, test: string) => ({
    name,
    sql: recent(`l.${name}`, 'l.mri_on', test, mri),
    reads: ['mri'],
  });
  const micro = mriStep('micro', 'l.micro <= 4');
  const siderosis = mriStep('siderosis', 'l.siderosis = false');
  let steps: FloorStep[];
  switch (v.family) {
    case 'a4':
      steps = [
        { name: 'age', sql: ageBand(v.ageBand), reads: [] },
        cdrZero,
        mmse('BETWEEN 25 AND 30'),
        memory('BETWEEN 6 AND 18'),
        {
          name: 'florbetapir_suvr',
          sql: recent('l.fbp_suvr', 'l.fbp_on', 'l.fbp_suvr >= 1.15', amyloidPet),
          reads: ['amyloid_pet'],
        },
        micro,
        siderosis,
        ...REGISTRY_READY,
      ];
      break;
    case 'ahead-a3':
    case 'ahead-a45': {
      const modalities = v.riskFactorModalities ?? [AmyloidModality.Pet, AmyloidModality.Csf];
      const riskFactor = [
        'x.age >= 65',
        // A relative with dementia, onset before 75; unknown without history or without the onset age.
        `CASE WHEN x.family_history IS NULL THEN NULL WHEN NOT x.family_history THEN FALSE
              WHEN x.family_history_onset_age IS NULL THEN NULL ELSE x.family_history_onset_age < 75 END`,
        APOE_CARRIER,
        anyModalityPositive(modalities),
      ];
      const centiloid = v.family === 'ahead-a3' ? 'l.centiloid BETWEEN 20 AND 40' : 'l.centiloid > 40';
      steps = [
        {
          name: 'age',
          sql: `(${ageBand(v.ageBand)}) AND (${riskFactor.map((f) => `(${f})`).join(' OR ')})`,
          reads: modalities.map((m) => MODALITY_ASSESSMENT[m]),
        },
        cdrZero,
        mmse('>= 27'),
        memory('>= 6'),
        {
          name: 'centiloid',
          sql: recent('l.centiloid', 'l.centiloid_on', centiloid, amyloidPet),
          reads: ['amyloid_pet'],
        },
        micro,
        siderosis,
        mriStep('macro', 'l.macro = false'),
        ...REGISTRY_READY,
      ];
      break;
    }
    case 'trailblazer-alz-3': {
      // The latest of PET and plasma decides; on the same day PET, named first, stays.
      const latestAmyloid = `CASE WHEN l.pet_on IS NULL AND l.plasma_on IS NULL THEN NULL
        WHEN l.plasma_on IS NULL OR l.pet_on >= l.plasma_on THEN ${recent('l.pet_status', 'l.pet_on', `l.pet_status = 'positive'`, plasma)}
        ELSE ${recent('l.plasma_status', 'l.plasma_on', `l.plasma_status = 'positive'`, plasma)} END`;
      steps = [
        { name: 'age', sql: ageBand(v.ageBand), reads: [] },
        v.prescreenByLatestAmyloid
          ? { name: 'amyloid', sql: latestAmyloid, reads: ['plasma', 'amyloid_pet'] }
          : {
              name: 'ptau217',
              sql: recent('l.ptau217', 'l.ptau217_on', `l.ptau217 = 'positive'`, plasma),
              reads: ['plasma'],
            },
        ...REGISTRY_READY,
      ];
      break;
    }
  }
  if (v.withoutStudyPartner) steps = steps.filter((step) => step.name !== 'study_partner');
  if (v.addApoeCarrier) steps.push({ name: 'apoe', sql: APOE_CARRIER, reads: [] });
  return steps;
}

/**
 * The latest value of each measure the families read, from the latest assessment of each type and
 * qualifier: for a type without qualifier that is one row; centiloids and amyloid statuses are the latest
 * among a type's qualifiers (tracers, platforms, analytes). A status of `unknown` is no status.
 */
const LATEST_RESULTS = `
  SELECT a.participant_id,
         max((a.derived->>'globalScore')::numeric) FILTER (WHERE a.type = 'cdr') AS cdr,
         max(a.performed_on) FILTER (WHERE a.type = 'cdr') AS cdr_on,
         max((a.values->>'total')::numeric) FILTER (WHERE a.type = 'mmse') AS mmse,
         max(a.performed_on) FILTER (WHERE a.type = 'mmse') AS mmse_on,
         max((a.values->>'delayedRecall')::numeric) FILTER (WHERE a.type = 'logical_memory') AS lm,
         max(a.performed_on) FILTER (WHERE a.type = 'logical_memory') AS lm_on,
         max((a.values->>'suvr')::numeric) FILTER (WHERE a.type = 'amyloid_pet' AND a.qualifier = 'florbetapir') AS fbp_suvr,
         max(a.performed_on) FILTER (WHERE a.type = 'amyloid_pet' AND a.qualifier = 'florbetapir') AS fbp_on,
         (array_agg((a.derived->>'centiloid')::numeric ORDER BY a.performed_on DESC)
            FILTER (WHERE a.type = 'amyloid_pet' AND a.derived->>'centiloid' IS NOT NULL))[1] AS centiloid,
         max(a.performed_on) FILTER (WHERE a.type = 'amyloid_pet' AND a.derived->>'centiloid' IS NOT NULL) AS centiloid_on,
         max((a.values->>'microhaemorrhages')::numeric) FILTER (WHERE a.type = 'mri') AS micro,
         bool_or((a.values->>'superficialSiderosis')::boolean) FILTER (WHERE a.type = 'mri') AS siderosis,
         bool_or((a.values->>'macrohaemorrhage')::boolean) FILTER (WHERE a.type = 'mri') AS macro,
         max(a.performed_on) FILTER (WHERE a.type = 'mri') AS mri_on,
         max(a.values->>'result') FILTER (WHERE a.type = 'plasma' AND a.qualifier = 'ptau217') AS ptau217,
         max(a.performed_on) FILTER (WHERE a.type = 'plasma' AND a.qualifier = 'ptau217') AS ptau217_on,
         ${Object.entries(MODALITY_ASSESSMENT)
           .map(([modality, type]) => {
             const known = `a.type = '${type}' AND a.derived->>'amyloidStatus' <> 'unknown'`;
             return `(array_agg(a.derived->>'amyloidStatus' ORDER BY a.performed_on DESC) FILTER (WHERE ${known}))[1] AS ${modality}_status,
         max(a.performed_on) FILTER (WHERE ${known}) AS ${modality}_on`;
           })
           .join(',\n         ')}
    FROM participant_latest_assessment a JOIN ${COUNTED_TABLE} c ON c.id = a.participant_id
   WHERE a.type = ANY($3::text[])
   GROUP BY a.participant_id`;

/** The floor's statement for a variant; $1 and $2 are the active sites and each one's calendar day. */
export function floorQuery(variant: FeasibilityVariant): { sql: string; reads: string[] } {
  const steps = floorSteps(variant);
  const remaining = steps.map(
    (_, i) =>
      `count(*) FILTER (WHERE ${steps
        .slice(0, i + 1)
        .map((__, j) => `s${j} IS NOT FALSE`)
        .join(' AND ')})::int AS r${i}`,
  );
  const sql = `
    WITH x AS (
      SELECT p.id, s.code AS site, CASE WHEN p.sex = ANY($4::text[]) THEN p.sex ELSE 'not_stated' END AS sex,
             d.day, extract(year FROM age(d.day, p.birth_date))::int AS age, p.status, p.study_partner_available,
             p.apoe_genotype, p.family_history, p.family_history_onset_age,
             EXISTS (SELECT 1 FROM participant_consent pc
                      WHERE pc.participant_id = p.id AND 'recontact_for_trials' = ANY(pc.scopes) AND pc.signed_on <= d.day
                        AND NOT EXISTS (SELECT 1 FROM consent_withdrawal w WHERE w.participant_consent_id = pc.id
                                         AND w.scope = 'recontact_for_trials' AND w.withdrawn_on <= d.day)) AS recontact
        FROM participant p JOIN ${COUNTED_TABLE} c ON c.id = p.id
        JOIN unnest($1::uuid[], $2::date[]) AS d(site_id, day) ON d.site_id = p.site_id
        JOIN site s ON s.id = p.site_id
    ),
    l AS (${LATEST_RESULTS}),
    judged AS (
      SELECT x.site, x.sex, ${steps.map((step, i) => `(${step.sql}) AS s${i}`).join(',\n             ')}
        FROM x LEFT JOIN l ON l.participant_id = x.id
    )
    SELECT site, sex, count(*)::int AS start, ${remaining.join(',\n           ')}
      FROM judged GROUP BY site, sex`;
  return { sql, reads: [...new Set(steps.flatMap((step) => step.reads))] };
}

export interface SiteDays {
  siteIds: string[];
  days: string[];
}

/** Runs the floor of one variant on the connection holding the counted ids; its answer and time. */
export async function runFeasibilityFloor(
  runner: QueryRunner,
  variant: FeasibilityVariant,
  siteDays: SiteDays,
): Promise<{ counts: FunnelCounts; seconds: number }> {
  const { sql, reads } = floorQuery(variant);
  const started = process.hrtime.bigint();
  const rows = await runner.manager.query<
    ({ site: string; sex: string; start: number } & Record<string, number>)[]
  >(sql, [siteDays.siteIds, siteDays.days, reads, SEXES]);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const steps = floorSteps(variant).length;
  const counts: FunnelCounts = {
    start: 0,
    remaining: Array<number>(steps).fill(0),
    finalBySite: {},
    finalBySex: {},
  };
  for (const row of rows) {
    counts.start += row.start;
    for (let i = 0; i < steps; i++) counts.remaining[i] += row[`r${i}`];
    const final = steps > 0 ? row[`r${steps - 1}`] : row.start;
    counts.finalBySite[row.site] = (counts.finalBySite[row.site] ?? 0) + final;
    counts.finalBySex[row.sex] = (counts.finalBySex[row.sex] ?? 0) + final;
  }
  return { counts, seconds };
}

/** The same counts from the engine's raw table (before disclosure control). */
export function funnelOfTable(table: CountTable, steps: number, siteCodes: readonly string[]): FunnelCounts {
  const count = (key: string) => table.counts[key] ?? 0;
  const final = (dimension: string, category: string) =>
    POOL_GROUPS.reduce((sum, group) => sum + count(`pool.${group}.${dimension}.${category}`), 0);
  return {
    start: count('funnel.start'),
    remaining: Array.from({ length: steps }, (_, i) => count(`funnel.${i}.remaining`)),
    finalBySite: Object.fromEntries(siteCodes.map((code) => [code, final('site', code)])),
    finalBySex: Object.fromEntries(SEXES.map((sex) => [sex, final('sex', sex)])),
  };
}

/** Where two answers differ, in words; empty when they agree. */
export function funnelDifferences(engine: FunnelCounts, floor: FunnelCounts): string[] {
  const differences: string[] = [];
  const compare = (what: string, a: number | undefined, b: number | undefined) => {
    if ((a ?? 0) !== (b ?? 0)) differences.push(`${what}: engine ${a ?? 0}, floor ${b ?? 0}`);
  };
  compare('start', engine.start, floor.start);
  if (engine.remaining.length !== floor.remaining.length)
    differences.push(`steps: engine ${engine.remaining.length}, floor ${floor.remaining.length}`);
  engine.remaining.forEach((n, i) => compare(`remaining after step ${i}`, n, floor.remaining[i]));
  for (const site of new Set([...Object.keys(engine.finalBySite), ...Object.keys(floor.finalBySite)]))
    compare(`final at ${site}`, engine.finalBySite[site], floor.finalBySite[site]);
  for (const sex of new Set([...Object.keys(engine.finalBySex), ...Object.keys(floor.finalBySex)]))
    compare(`final, sex ${sex}`, engine.finalBySex[sex], floor.finalBySex[sex]);
  return differences;
}
