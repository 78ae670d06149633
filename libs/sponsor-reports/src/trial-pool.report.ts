import { Injectable } from '@nestjs/common';
import {
  AMYLOID_ASSESSMENTS,
  CalendarDate,
  combineTables,
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
import { SponsorCountsRepository, TrialEntity, Tx } from '@registry/persistence';
import { SponsorCohort } from './sponsor-cohort';
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
 */
@Injectable()
export class TrialPoolReport {
  constructor(
    private readonly counts: SponsorCountsRepository,
    private readonly cohort: SponsorCohort,
    private readonly disclosure: SponsorDisclosure,
  ) {}

  async count(tx: Tx, trial: TrialEntity): Promise<PublishedPool> {
    const sites = [...(trial.sites ?? [])].sort((a, b) => a.code.localeCompare(b.code));
    const siteCodes = sites.map((site) => site.code);
    const pool = new PoolTally(siteCodes);
    const awaiting = { [AWAITING_SCREENING]: 0 };
    const sharing = new Set<string>();
    const oneTestAway: { participantId: string; test: string; today: CalendarDate }[] = [];
    const stored: StoredVerdict = {
      criteriaVersion: 0,
      result: '',
      oneTestAway: null,
      explained: true,
      changesWithTimeOn: NEVER_CHANGES_WITH_TIME,
    };
    await this.cohort.walk(
      tx,
      sites,
      [trial.id],
      AMYLOID_ASSESSMENTS,
      ({ participantId, subject, siteCode, today }) => {
        // Past eligibility of anyone who still shares with sponsors, in a trial since or not: the trend must
        // not rewrite its history as the trial recruits.
        if (sharesWithSponsors(subject.profile)) sharing.add(participantId);
        if (!countedForSponsors(subject.profile, trial.id)) return;
        // Not judged at the current criteria version yet (a re-screen is running): counted apart, not guessed.
        if (!subject.stored(0, stored) || stored.criteriaVersion !== trial.criteriaVersion) {
          awaiting[AWAITING_SCREENING] += 1;
          return;
        }
        const verdict = { result: stored.result as EligibilityResult, oneTestAway: stored.oneTestAway };
        pool.add(verdict, sponsorCategoriesOf(subject.profile, siteCode, today));
        if (verdict.result === 'undetermined' && verdict.oneTestAway)
          oneTestAway.push({ participantId, test: verdict.oneTestAway, today });
      },
    );
    const today = this.cohort.latestToday(sites);
    const asOf = sites.length > 0 ? today : null;

    const trendMonths = monthsEndingWith(today, TREND_MONTHS);
    const trend = new MonthlyTally(trendMonths, 'trend');
    for (const flag of await this.counts.eligibleFlagDays(tx, trial.id, trendStart(today)))
      if (sharing.has(flag.participantId)) trend.add(flag.raisedOn);

    const projectionMonths = monthsStartingWith(today, PROJECTION_MONTHS);
    const projection = new MonthlyTally(projectionMonths, 'projection');
    const earliest = oneTestAway.reduce((day, p) => (p.today < day ? p.today : day), today);
    const visits = await this.counts.plannedVisits(
      tx,
      oneTestAway.map((p) => p.participantId),
      earliest,
      projectionEnd(today),
    );
    for (const p of oneTestAway) {
      const month = plannedTestMonth(p.test, visits.get(p.participantId) ?? [], p.today);
      if (month !== null) projection.addToMonth(month);
    }

    const table = combineTables([
      pool.table(),
      { counts: awaiting, relations: [] },
      trend.table(),
      projection.table(),
    ]);
    const counts = this.disclosure.publish(table, {
      query: { question: 'trial.pool', trialId: trial.id, criteriaVersion: trial.criteriaVersion },
      dataVersion: null,
    });
    return { trial, asOf, siteCodes, trendMonths, projectionMonths, testsNeeded: pool.testsNeeded(), counts };
  }
}
