import { Injectable } from '@nestjs/common';
import {
  AMYLOID_ASSESSMENTS,
  CalendarDate,
  combineTables,
  CountTable,
  countedForSponsors,
  EligibilityResult,
  MonthlyTally,
  monthsEndingWith,
  monthsStartingWith,
  NEVER_CHANGES_WITH_TIME,
  plannedTestMonth,
  POOL_GROUPS,
  PoolTally,
  projectionEnd,
  PROJECTION_MONTHS,
  PublishedCount,
  sharesWithSponsors,
  sponsorCategoriesOf,
  StoredVerdict,
  TREND_MONTHS,
  trendStart,
} from '@registry/domain';
import { SiteEntity, SponsorCountsRepository, TrialEntity, Tx } from '@registry/persistence';
import { CountedSubject, SponsorCohort } from './sponsor-cohort';
import { SponsorDisclosure } from './sponsor-disclosure';

/** A trial's pool as published: every count under its key (see PoolTally and MonthlyTally) after disclosure control. */
export interface PublishedPool {
  trial: TrialEntity;
  /** The latest calendar day among the trial's sites: the day the counts hold for. */
  asOf: CalendarDate | null;
  siteCodes: string[];
  trendMonths: string[];
  projectionMonths: string[];
  testsNeeded: string[];
  counts: Record<string, PublishedCount>;
}

/** A trial's pool before disclosure control: the raw counts, and what they are laid out by. */
export interface RawPool extends Omit<PublishedPool, 'counts'> {
  table: CountTable;
}

export const AWAITING_SCREENING = 'awaitingScreening';

/** The headline figures of a published pool: each group's total, and those not yet judged. */
export function poolTotals(pool: PublishedPool): Record<string, PublishedCount> {
  return {
    ...Object.fromEntries(POOL_GROUPS.map((group) => [group, pool.counts[`pool.${group}.total`]])),
    [AWAITING_SCREENING]: pool.counts[AWAITING_SCREENING],
  };
}

/**
 * The pool of a trial as its sponsor may see it: who is eligible, one test away (by the test) and
 * undetermined at the trial's sites, by the determinations screening stored at the trial's current criteria
 * version; how many became eligible each month (eligible flags, each one the start of an episode of
 * eligibility); and how many of those one test away have that test on a visit already planned, by month.
 * The pool counts only those `countedForSponsors`; the trend those who still `sharesWithSponsors`; every
 * figure passes disclosure control, under one question per trial and criteria version, so the pool read
 * through the API and the one a webhook carries publish the same numbers (two differently noised views of
 * one count would let a sponsor average the noise away).
 *
 * Counting reads the trial's whole cohort. `tally` counts several trials in one walk, and `PoolTallies` lets
 * a walk made for another purpose (the API's cohort snapshot) count them on the way; `publish` is the
 * disclosure control alone, so that raw counts may be kept and published later.
 */
@Injectable()
export class TrialPoolReport {
  constructor(
    private readonly counts: SponsorCountsRepository,
    private readonly cohort: SponsorCohort,
    private readonly disclosure: SponsorDisclosure,
  ) {}

  /** One trial counted now and published. */
  async count(tx: Tx, trial: TrialEntity): Promise<PublishedPool> {
    const [raw] = await this.tally(tx, [trial]);
    return this.publish(raw);
  }

  /** The raw pools of the trials, from one walk over their sites. */
  async tally(tx: Tx, trials: readonly TrialEntity[]): Promise<RawPool[]> {
    const tallies = this.tallies(trials);
    await this.cohort.walk(tx, tallies.sitesWith([]), tallies.trialIds, AMYLOID_ASSESSMENTS, (participant) =>
      tallies.visit(participant),
    );
    return tallies.finish(tx);
  }

  /**
   * Tallies of the trials' pools to hand participants to: a walk feeding them must load the stored
   * determinations of `trialIds`, in that order, and at least the `AMYLOID_ASSESSMENTS`.
   */
  tallies(trials: readonly TrialEntity[]): PoolTallies {
    return new PoolTallies(trials, this.counts, this.cohort);
  }

  /** The raw pool after disclosure control. */
  publish(raw: RawPool): PublishedPool {
    const { table, ...layout } = raw;
    const counts = this.disclosure.publish(table, {
      query: { question: 'trial.pool', trialId: raw.trial.id, criteriaVersion: raw.trial.criteriaVersion },
      dataVersion: null,
    });
    return { ...layout, counts };
  }
}

/** Several trials' pools counted from one walk of participants (see `TrialPoolReport.tallies`). */
export class PoolTallies {
  private readonly tallies: OneTrialTally[];
  /**
   * The site of everyone walked who still shares with sponsors (in a trial since or not), for the trends: one
   * map for every trial, since sharing does not depend on the trial.
   */
  private readonly sharing = new Map<string, string>();

  constructor(
    trials: readonly TrialEntity[],
    private readonly counts: SponsorCountsRepository,
    private readonly cohort: SponsorCohort,
  ) {
    this.tallies = trials.map((trial, index) => new OneTrialTally(trial, index));
  }

  /** The sites a walk feeding these tallies must cover, `others` among them: each site once. */
  sitesWith(others: readonly SiteEntity[]): SiteEntity[] {
    const sites = [...others, ...this.tallies.flatMap((tally) => tally.trial.sites ?? [])];
    return [...new Map(sites.map((site) => [site.id, site])).values()];
  }

  /** The trials whose stored determinations the walk must load, in the order `visit` reads them. */
  get trialIds(): string[] {
    return this.tallies.map((tally) => tally.trial.id);
  }

  visit(participant: CountedSubject): void {
    if (sharesWithSponsors(participant.subject.profile))
      this.sharing.set(participant.participantId, participant.siteCode);
    for (const tally of this.tallies) tally.visit(participant);
  }

  /** The raw pools, with their trends and projections read now. */
  async finish(tx: Tx): Promise<RawPool[]> {
    const pools: RawPool[] = [];
    for (const tally of this.tallies)
      pools.push(await tally.finish(tx, this.counts, this.cohort, this.sharing));
    return pools;
  }
}

/** One trial's pool, awaiting and one-test-away people, tallied participant by participant. */
class OneTrialTally {
  private readonly sites: SiteEntity[];
  private readonly siteCodes: Set<string>;
  private readonly pool: PoolTally;
  private readonly awaiting = { [AWAITING_SCREENING]: 0 };
  private readonly oneTestAway: { participantId: string; test: string; today: CalendarDate }[] = [];
  private readonly stored: StoredVerdict = {
    criteriaVersion: 0,
    result: '',
    oneTestAway: null,
    explained: true,
    changesWithTimeOn: NEVER_CHANGES_WITH_TIME,
  };

  constructor(
    readonly trial: TrialEntity,
    /** The trial's position among the walk's trials (`ScreeningSubject.stored`). */
    private readonly index: number,
  ) {
    this.sites = [...(trial.sites ?? [])].sort((a, b) => a.code.localeCompare(b.code));
    this.siteCodes = new Set(this.sites.map((site) => site.code));
    this.pool = new PoolTally([...this.siteCodes]);
  }

  visit({ participantId, subject, siteCode, today }: CountedSubject): void {
    if (!this.siteCodes.has(siteCode)) return;
    if (!countedForSponsors(subject.profile, this.trial.id)) return;
    // Not judged at the current criteria version yet (a re-screen is running): counted apart, not guessed.
    const stored = this.stored;
    if (!subject.stored(this.index, stored) || stored.criteriaVersion !== this.trial.criteriaVersion) {
      this.awaiting[AWAITING_SCREENING] += 1;
      return;
    }
    const verdict = { result: stored.result as EligibilityResult, oneTestAway: stored.oneTestAway };
    this.pool.add(verdict, sponsorCategoriesOf(subject.profile, siteCode, today));
    if (verdict.result === 'undetermined' && verdict.oneTestAway)
      this.oneTestAway.push({ participantId, test: verdict.oneTestAway, today });
  }

  /**
   * `sharing`: the site of each participant walked who still shares with sponsors. The trend counts their past
   * eligibility at the trial's sites, in a trial since or not: it must not rewrite its history as the trial
   * recruits.
   */
  async finish(
    tx: Tx,
    counts: SponsorCountsRepository,
    cohort: SponsorCohort,
    sharing: ReadonlyMap<string, string>,
  ): Promise<RawPool> {
    const { trial, sites } = this;
    const today = cohort.latestToday(sites);
    const asOf = sites.length > 0 ? today : null;

    const trendMonths = monthsEndingWith(today, TREND_MONTHS);
    const trend = new MonthlyTally(trendMonths, 'trend');
    for (const flag of await counts.eligibleFlagDays(tx, trial.id, trendStart(today)))
      if (this.siteCodes.has(sharing.get(flag.participantId) ?? '')) trend.add(flag.raisedOn);

    const projectionMonths = monthsStartingWith(today, PROJECTION_MONTHS);
    const projection = new MonthlyTally(projectionMonths, 'projection');
    const earliest = this.oneTestAway.reduce((day, p) => (p.today < day ? p.today : day), today);
    const visits = await counts.plannedVisits(
      tx,
      this.oneTestAway.map((p) => p.participantId),
      earliest,
      projectionEnd(today),
    );
    for (const p of this.oneTestAway) {
      const month = plannedTestMonth(p.test, visits.get(p.participantId) ?? [], p.today);
      if (month !== null) projection.addToMonth(month);
    }

    const table = combineTables([
      this.pool.table(),
      { counts: this.awaiting, relations: [] },
      trend.table(),
      projection.table(),
    ]);
    return {
      trial,
      asOf,
      siteCodes: sites.map((site) => site.code),
      trendMonths,
      projectionMonths,
      testsNeeded: this.pool.testsNeeded(),
      table,
    };
  }
}
