import {
  AMYLOID_ASSESSMENTS,
  CalendarDate,
  CohortProjection,
  CohortProjectionBuilder,
  CountTable,
  Criterion,
  dateInTimeZone,
  EligibilityResult,
  FeasibilityTally,
  ParticipantProfile,
  POOL_GROUPS,
  PoolGroup,
  poolGroupOf,
  ScreeningPlan,
} from '@registry/domain';
import { loadCohortScreeningInputs } from '@registry/persistence';
import type { DataSource, QueryRunner } from 'typeorm';
import { COUNTED_TABLE } from './feasibility-floor';

/** An active site with its calendar day at the benchmark's instant: every participant is judged on theirs. */
export interface ActiveSite {
  id: string;
  code: string;
  today: CalendarDate;
}

/** The sites a feasibility question counts (the active ones, by code, as SiteRepository.listActive). */
export async function activeSites(dataSource: DataSource, at: Date): Promise<ActiveSite[]> {
  const sites = await dataSource.query<{ id: string; code: string; time_zone: string }[]>(
    `SELECT id, code, time_zone FROM site WHERE active ORDER BY code`,
  );
  return sites.map((site) => ({ id: site.id, code: site.code, today: dateInTimeZone(at, site.time_zone) }));
}

/** The assessment types the questions read, and those the pool's amyloid breakdown reads (as the API loads). */
export function assessmentTypesRead(criteria: readonly Criterion[]): string[] {
  const { assessmentTypes } = new ScreeningPlan(
    criteria.map((c, i) => ({ id: `question-${i}`, criteria: c })),
  );
  return [...new Set([...assessmentTypes, ...AMYLOID_ASSESSMENTS])];
}

/** Participants read per statement, as SponsorCohort reads them. */
const BATCH = 2000;

/**
 * Reads every participant of the sites with the statement screening and the API's sponsor counts use
 * (`loadCohortScreeningInputs`), each on their site's day.
 */
export async function readCohort(
  dataSource: DataSource,
  sites: readonly ActiveSite[],
  assessmentTypes: readonly string[],
  visit: (participantId: string, profile: ParticipantProfile, siteCode: string, asOf: CalendarDate) => void,
): Promise<void> {
  const byId = new Map(sites.map((site) => [site.id, site]));
  let after: string | null = null;
  for (;;) {
    const batch = await loadCohortScreeningInputs(
      dataSource.manager,
      { siteIds: [...byId.keys()], after, limit: BATCH },
      (siteId) => byId.get(siteId)!.today,
      [],
      { assessmentTypes },
    );
    for (const input of batch)
      visit(input.participantId, input.read().profile, byId.get(input.siteId)!.code, input.asOf);
    if (batch.length < BATCH) return;
    after = batch[batch.length - 1].participantId;
  }
}

/**
 * The feasibility engine in this process, as the API answers (FeasibilitySnapshot): the cohort added once
 * into a columnar projection, then each question's raw table (before disclosure control).
 */
export interface InProcessFeasibility {
  add(profile: ParticipantProfile, siteCode: string, asOf: CalendarDate): void;
  /** Called once every participant is added, before the first `table`. */
  build(): void;
  table(criteria: Criterion): CountTable;
}

export function inProcessFeasibility(siteCodes: readonly string[]): InProcessFeasibility {
  return new ProjectedFeasibility(siteCodes);
}

class ProjectedFeasibility implements InProcessFeasibility {
  private readonly builder: CohortProjectionBuilder;
  private projection: CohortProjection | undefined;

  constructor(siteCodes: readonly string[]) {
    this.builder = new CohortProjectionBuilder(siteCodes);
  }

  add(profile: ParticipantProfile, siteCode: string, asOf: CalendarDate): void {
    this.builder.add(profile, siteCode, asOf);
  }

  build(): void {
    this.projection = this.builder.build();
  }

  table(criteria: Criterion): CountTable {
    return FeasibilityTally.fromProjection(criteria, this.projection!).table();
  }
}

/**
 * On the connection `runner`, a temporary table of the ids counted for sponsors: the floor and the stored
 * determinations are read for these people only, so that neither restates who may be counted.
 */
export async function createCountedTable(
  runner: QueryRunner,
  participantIds: readonly string[],
): Promise<void> {
  await runner.query(`DROP TABLE IF EXISTS ${COUNTED_TABLE}`);
  await runner.query(`CREATE TEMPORARY TABLE ${COUNTED_TABLE} (id text PRIMARY KEY)`);
  for (let from = 0; from < participantIds.length; from += 100_000)
    await runner.query(`INSERT INTO ${COUNTED_TABLE} (id) SELECT unnest($1::text[])`, [
      participantIds.slice(from, from + 100_000),
    ]);
  await runner.query(`ANALYZE ${COUNTED_TABLE}`);
}

export interface StoredPool {
  totals: Record<PoolGroup, number>;
  /** Counted people with no determination at the trial's current criteria version. */
  unscreened: number;
}

/**
 * What screening stored for each trial (at its current criteria version) about the people counted for
 * sponsors, as pool totals: the counts a feasibility question with the trial's criteria must give.
 */
export async function storedPools(runner: QueryRunner, trialIds: readonly string[]): Promise<StoredPool[]> {
  const rows = await runner.manager.query<
    { trial_id: string; result: EligibilityResult; one_test_away: string | null; n: number }[]
  >(
    `SELECT d.trial_id, d.result, d.one_test_away, count(*)::int AS n
       FROM eligibility_determination d
       JOIN ${COUNTED_TABLE} c ON c.id = d.participant_id
       JOIN trial t ON t.id = d.trial_id AND t.criteria_version = d.criteria_version
      WHERE d.trial_id = ANY($1::uuid[])
      GROUP BY d.trial_id, d.result, d.one_test_away`,
    [trialIds],
  );
  const [{ counted }] = await runner.manager.query<{ counted: number }[]>(
    `SELECT count(*)::int AS counted FROM ${COUNTED_TABLE}`,
  );
  return trialIds.map((trialId) => {
    const totals = Object.fromEntries(POOL_GROUPS.map((group) => [group, 0])) as Record<PoolGroup, number>;
    let screened = 0;
    for (const row of rows.filter((r) => r.trial_id === trialId)) {
      screened += row.n;
      const group = poolGroupOf({ result: row.result, oneTestAway: row.one_test_away });
      if (group) totals[group] += row.n;
    }
    return { totals, unscreened: counted - screened };
  });
}
