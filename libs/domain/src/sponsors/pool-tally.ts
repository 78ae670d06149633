import type { Verdict } from '../eligibility/screening-plan';
import {
  AdditiveRelation,
  breakdownTable,
  combineTables,
  CountTable,
} from '../disclosure/disclosure-control';
import type { CohortProjection } from './cohort-projection';
import { BreakdownDimension, breakdownCategories, SponsorCategories } from './sponsor-counting';

/**
 * The three groups of a pool, disjoint: eligible; undetermined for lack of one named test; undetermined
 * otherwise. Ineligible people are not part of a pool.
 */
export const POOL_GROUPS = ['eligible', 'oneTestAway', 'undetermined'] as const;
export type PoolGroup = (typeof POOL_GROUPS)[number];

/** The pool group of a verdict, or null for an ineligible participant. */
export function poolGroupOf(verdict: Verdict): PoolGroup | null {
  if (verdict.result === 'eligible') return 'eligible';
  if (verdict.result === 'ineligible') return null;
  return verdict.oneTestAway === null ? 'undetermined' : 'oneTestAway';
}

type CategoryCounts = Record<BreakdownDimension, Record<string, number>>;

/**
 * Counts a pool, group by group, with a breakdown by each dimension (site, age band, sex, APOE e4 carriage,
 * amyloid band and modality) and the one-test-away group by the test needed. Raw counts: what a sponsor
 * receives is `table()` after disclosure control.
 */
export class PoolTally {
  private readonly totals: Record<PoolGroup, number> = { eligible: 0, oneTestAway: 0, undetermined: 0 };
  private readonly byCategory: Record<PoolGroup, CategoryCounts>;
  private readonly byTest = new Map<string, number>();

  constructor(
    siteKeys: readonly string[],
    private readonly prefix = 'pool',
  ) {
    const empty = (): CategoryCounts => {
      const counts = {} as CategoryCounts;
      for (const [dimension, categories] of Object.entries(breakdownCategories(siteKeys)))
        counts[dimension as BreakdownDimension] = Object.fromEntries(categories.map((c) => [c, 0]));
      return counts;
    };
    this.byCategory = { eligible: empty(), oneTestAway: empty(), undetermined: empty() };
  }

  /** Counts one participant of the pool; ineligible verdicts are not counted. */
  add(verdict: Verdict, categories: SponsorCategories): void {
    const group = poolGroupOf(verdict);
    if (group === null) return;
    this.totals[group] += 1;
    const counts = this.byCategory[group];
    for (const dimension of Object.keys(counts) as BreakdownDimension[]) {
      const category = categories[dimension];
      if (!(category in counts[dimension]))
        throw new Error(`${dimension} category ${category} is not one of the breakdown's categories`);
      counts[dimension][category] += 1;
    }
    if (group === 'oneTestAway') {
      const test = verdict.oneTestAway!;
      this.byTest.set(test, (this.byTest.get(test) ?? 0) + 1);
    }
  }

  /**
   * Counts a whole group at once: its participants' categories by dimension (category -> how many), and for
   * the one-test-away group the tests needed (test -> how many). The columnar path of feasibility counts so.
   */
  addMany(
    group: PoolGroup,
    total: number,
    byCategory: Readonly<Record<BreakdownDimension, Readonly<Record<string, number>>>>,
    byTest: ReadonlyMap<string, number> = new Map(),
  ): void {
    this.totals[group] += total;
    const counts = this.byCategory[group];
    for (const dimension of Object.keys(counts) as BreakdownDimension[])
      for (const [category, n] of Object.entries(byCategory[dimension])) {
        if (!(category in counts[dimension]))
          throw new Error(`${dimension} category ${category} is not one of the breakdown's categories`);
        counts[dimension][category] += n;
      }
    for (const [test, n] of byTest) this.byTest.set(test, (this.byTest.get(test) ?? 0) + n);
  }

  /** The tests the one-test-away group needs, by name (never by how many need each: that is a count). */
  testsNeeded(): string[] {
    return [...this.byTest.keys()].sort();
  }

  /**
   * Counts the participants of a projection whose group is given (`groupOf[i]`: the index of their group in
   * POOL_GROUPS, or -1 for no group), by the projection's category columns, and the one-test-away group by
   * `testOf[i]`. Categories the tally does not list (a site that is not the trial's) must count no one.
   */
  addProjected(
    projection: CohortProjection,
    groupOf: Int8Array,
    testOf: readonly (string | undefined)[],
  ): void {
    const names = breakdownCategories(projection.siteCodes);
    const dimensions = Object.keys(names) as BreakdownDimension[];
    const columns = dimensions.map((dimension) => projection.categories(dimension));
    const histograms = POOL_GROUPS.map(() =>
      dimensions.map((dimension) => new Array<number>(names[dimension].length).fill(0)),
    );
    const totals = POOL_GROUPS.map(() => 0);
    const byTest = new Map<string, number>();
    for (let i = 0; i < groupOf.length; i++) {
      const g = groupOf[i];
      if (g < 0) continue;
      totals[g] += 1;
      const histogram = histograms[g];
      for (let d = 0; d < columns.length; d++) histogram[d][columns[d][i]] += 1;
      if (POOL_GROUPS[g] === 'oneTestAway') byTest.set(testOf[i]!, (byTest.get(testOf[i]!) ?? 0) + 1);
    }
    POOL_GROUPS.forEach((group, g) => {
      const byCategory = Object.fromEntries(
        dimensions.map((dimension, d) => [
          dimension,
          Object.fromEntries(
            names[dimension].flatMap((name, c) =>
              histograms[g][d][c] > 0 ? [[name, histograms[g][d][c]]] : [],
            ),
          ),
        ]),
      ) as Record<BreakdownDimension, Record<string, number>>;
      this.addMany(group, totals[g], byCategory, group === 'oneTestAway' ? byTest : undefined);
    });
  }

  total(group: PoolGroup): number {
    return this.totals[group];
  }

  /** The key of a group's total in `table()`. */
  totalKey(group: PoolGroup): string {
    return `${this.prefix}.${group}.total`;
  }

  /**
   * Every count with the relations a reader could use: each dimension's categories add up to their group's
   * total, and the tests needed add up to the one-test-away total.
   */
  table(): CountTable {
    const groups = POOL_GROUPS.map((group) =>
      breakdownTable(`${this.prefix}.${group}`, this.totals[group], this.byCategory[group]),
    );
    const testKeys = [...this.byTest.keys()].sort().map((test) => `${this.prefix}.oneTestAway.test.${test}`);
    const tests: CountTable = {
      counts: Object.fromEntries(
        [...this.byTest].map(([test, n]) => [`${this.prefix}.oneTestAway.test.${test}`, n]),
      ),
      relations: [{ total: this.totalKey('oneTestAway'), parts: testKeys } satisfies AdditiveRelation],
    };
    return combineTables([...groups, tests]);
  }
}
