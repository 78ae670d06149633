import type { Criterion } from '../eligibility/criteria';
import { criterionText, evaluateCriteria, isLeaf, Leaf, ParticipantProfile } from '../eligibility/evaluate';
import { AdditiveRelation, combineTables, CountTable } from '../disclosure/disclosure-control';
import type { CalendarDate } from '../schedule/calendar';
import {
  CohortProjection,
  FAIL,
  judgeOverProjection,
  JudgedNode,
  outcomeAssumingPassed,
  testBit,
  PASS,
  UNKNOWN,
} from './cohort-projection';
import { PoolTally, POOL_GROUPS } from './pool-tally';
import { countedForSponsors, sponsorCategoriesOf } from './sponsor-counting';

/** Where the criteria sit in a criteria document, as explanations name paths. */
const CRITERIA_PATH = '$.criteria';

/** One step of an attrition funnel: a top-level criterion, by its JSON path and in words. */
export interface FunnelStep {
  path: string;
  criterion: string;
}

/** Why people are not eligible: a deciding leaf that failed (ineligible) or is unknown (undetermined). */
export interface ReasonKey {
  kind: 'ineligible' | 'undetermined';
  path: string;
  criterion: string;
  /** The key of its count in `FeasibilityTally.table()`. */
  key: string;
}

/**
 * A feasibility question answered over a cohort: the attrition funnel (how many remain after each top-level
 * criterion, in the order given), the final pool with its breakdowns, and how often each criterion is the
 * reason someone is ineligible or undetermined. Criteria are judged by `evaluateCriteria`, the evaluator
 * screening stores determinations by, so the funnel's end agrees with what screening would store.
 *
 * A participant "remains" after a step while none of the criteria so far fails: an unknown result (a test
 * not yet done) does not exclude anyone, as it does not in screening.
 */
export class FeasibilityTally {
  readonly steps: FunnelStep[] = [];
  private population = 0;
  private readonly excluded: number[];
  private readonly pool: PoolTally;
  private readonly reasonCounts = new Map<string, number>();
  private readonly reasons = new Map<string, ReasonKey>();

  constructor(
    private readonly criteria: Criterion,
    siteKeys: readonly string[],
  ) {
    this.pool = new PoolTally(siteKeys, 'pool');
    // Paths as the evaluator's explanations give them, so that a step and a reason name a criterion alike.
    const topLevel: [Criterion, string][] =
      criteria.type === 'all'
        ? criteria.of.map((node, i) => [node, `${CRITERIA_PATH}.of[${i}]`])
        : [[criteria, CRITERIA_PATH]];
    for (const [node, path] of topLevel) this.steps.push({ path, criterion: describe(node) });
    this.excluded = this.steps.map(() => 0);
  }

  /**
   * Counts one participant, judged on `asOf` (their site's day), if they may be counted for sponsors at all
   * (`countedForSponsors`): everyone else is outside the population.
   */
  add(profile: ParticipantProfile, siteKey: string, asOf: CalendarDate): void {
    if (!countedForSponsors(profile)) return;
    this.population += 1;
    const determination = evaluateCriteria(this.criteria, profile, { asOf });
    const steps =
      this.criteria.type === 'all' && determination.tree.kind === 'all'
        ? determination.tree.children
        : [determination.tree];
    const failedAt = steps.findIndex((node) => node.result === 'fail');
    if (failedAt >= 0) this.excluded[failedAt] += 1;
    const verdict = { result: determination.result, oneTestAway: determination.oneTestAway?.test ?? null };
    this.pool.add(verdict, sponsorCategoriesOf(profile, siteKey, asOf));
    if (determination.result === 'eligible') return;
    const kind = determination.result === 'ineligible' ? 'ineligible' : 'undetermined';
    const effect = kind === 'ineligible' ? 'fail' : 'unknown';
    const seen = new Set<string>();
    for (const leaf of determination.summary) {
      if (leaf.effect !== effect || seen.has(leaf.path)) continue;
      seen.add(leaf.path);
      const key = `reasons.${kind}.${leaf.path}`;
      if (!this.reasons.has(key))
        this.reasons.set(key, { kind, path: leaf.path, criterion: leaf.criterion, key });
      this.reasonCounts.set(key, (this.reasonCounts.get(key) ?? 0) + 1);
    }
  }

  /**
   * The same tally as adding every participant of the projection with `add` (a property the tests check on
   * generated cohorts), computed column by column: leaves judged once per distinct fact, the criteria
   * combined over typed arrays, the one-test-away question asked once per candidate test.
   */
  static fromProjection(criteria: Criterion, projection: CohortProjection): FeasibilityTally {
    const tally = new FeasibilityTally(criteria, projection.siteCodes);
    const size = projection.size;
    tally.population = size;
    const root = judgeOverProjection(criteria, projection, CRITERIA_PATH);
    const steps = criteria.type === 'all' ? root.children : [root];
    const failed = new Uint8Array(size);
    steps.forEach((step, s) => {
      for (let i = 0; i < size; i++)
        if (!failed[i] && step.outcomes[i] === FAIL) {
          failed[i] = 1;
          tally.excluded[s] += 1;
        }
    });
    tally.countGroups(projection, root);
    tally.countReasons(root, root.outcomes);
    return tally;
  }

  /** The pool from the root's outcomes: eligible, one test away (by the first test that would do), undetermined. */
  private countGroups(projection: CohortProjection, root: JudgedNode): void {
    const size = projection.size;
    const leaves: JudgedNode[] = [];
    const collect = (node: JudgedNode) =>
      node.children.length === 0 ? leaves.push(node) : node.children.forEach(collect);
    collect(root);
    const leafTestBits = leaves.map((leaf) => leaf.tests.map(testBit));
    // Group codes are positions in POOL_GROUPS: eligible, one test away, undetermined.
    const groupOf = new Int8Array(size).fill(-1);
    const testOf: (string | undefined)[] = new Array<string | undefined>(size);
    for (let i = 0; i < size; i++) {
      const outcome = root.outcomes[i];
      if (outcome === PASS) groupOf[i] = 0;
      else if (outcome === UNKNOWN) {
        groupOf[i] = 2;
        // The first test, in document order of the unknown leaves, that would make them eligible.
        search: for (let l = 0; l < leaves.length; l++) {
          if (leaves[l].outcomes[i] !== UNKNOWN) continue;
          const tests = leaves[l].tests;
          for (let t = 0; t < tests.length; t++)
            if (outcomeAssumingPassed(root, leafTestBits[l][t], i) === PASS) {
              groupOf[i] = 1;
              testOf[i] = tests[t];
              break search;
            }
        }
      }
    }
    this.pool.addProjected(projection, groupOf, testOf);
  }

  /**
   * The reasons: each leaf that decided an ineligible or undetermined result, as `decidingLeaves` finds them
   * in an explanation (a node is decided by its parts with its own result; a `not` by its part).
   */
  private countReasons(node: JudgedNode, rootOutcomes: Uint8Array, deciding?: Uint8Array): void {
    const size = rootOutcomes.length;
    if (node.children.length === 0) {
      let ineligible = 0;
      let undetermined = 0;
      for (let i = 0; i < size; i++) {
        if (deciding && !deciding[i]) continue;
        if (rootOutcomes[i] === FAIL) ineligible += 1;
        else if (rootOutcomes[i] === UNKNOWN) undetermined += 1;
      }
      const leaf = node.node as Leaf;
      for (const [kind, count] of [
        ['ineligible', ineligible],
        ['undetermined', undetermined],
      ] as const) {
        if (count === 0) continue;
        const key = `reasons.${kind}.${node.path}`;
        this.reasons.set(key, { kind, path: node.path, criterion: criterionText(leaf), key });
        this.reasonCounts.set(key, count);
      }
      return;
    }
    for (const child of node.children) {
      if (node.node.type === 'not') {
        this.countReasons(child, rootOutcomes, deciding);
        continue;
      }
      const childDeciding = new Uint8Array(size);
      for (let i = 0; i < size; i++)
        childDeciding[i] = (!deciding || deciding[i]) && child.outcomes[i] === node.outcomes[i] ? 1 : 0;
      this.countReasons(child, rootOutcomes, childDeciding);
    }
  }

  /** The key of the funnel's start (everyone counted) and of each step's counts in `table()`. */
  static readonly START = 'funnel.start';
  static remainingKey(step: number): string {
    return `funnel.${step}.remaining`;
  }
  static excludedKey(step: number): string {
    return `funnel.${step}.excluded`;
  }
  static readonly EXCLUDED_TOTAL = 'funnel.excluded';

  /** The tests the one-test-away part of the pool needs, by name. */
  testsNeeded(): string[] {
    return this.pool.testsNeeded();
  }

  /**
   * Why people are ineligible, with the key of each reason's count, in no particular order (order them by
   * what is published, never by raw counts).
   */
  reasonKeys(): ReasonKey[] {
    return [...this.reasons.values()].filter((reason) => reason.kind === 'ineligible');
  }

  /**
   * Why people are undetermined, most common first, by name only: their counts are not published. Depending
   * on the criteria's shape, such a count can equal a sum of the one-test-away and undetermined counts (two
   * independent tests under an `all`: each test's reason = that test's cell + the undetermined total), an
   * identity no fixed relation declares for every document a sponsor may write; how many lack each test is
   * what the one-test-away breakdown by test already tells, under disclosure control.
   */
  undeterminedReasons(): Omit<ReasonKey, 'key'>[] {
    return [...this.reasons.values()]
      .filter((reason) => reason.kind === 'undetermined')
      .sort(
        (a, b) =>
          this.reasonCounts.get(b.key)! - this.reasonCounts.get(a.key)! || a.path.localeCompare(b.path),
      )
      .map(({ kind, path, criterion }) => ({ kind, path, criterion }));
  }

  /**
   * Every count of the answer and every relation a reader could use against a suppressed one:
   * - the funnel: remaining before a step = remaining after it + excluded by it; the start = what remains at
   *   the end + everyone excluded; everyone excluded = the sum of the steps' exclusions;
   * - what remains at the end is the pool: eligible + one test away + undetermined;
   * - the pool's breakdowns (PoolTally);
   * - ineligible reasons: where no one has two, they add up to everyone excluded, which is then declared (a
   *   reader who sees one listed reason can guess as much); and a first step that is one criterion in effect
   *   excludes exactly those whom that criterion fails.
   */
  table(): CountTable {
    const counts: Record<string, number> = { [FeasibilityTally.START]: this.population };
    const relations: AdditiveRelation[] = [];
    let remaining = this.population;
    let previous = FeasibilityTally.START;
    this.steps.forEach((_, step) => {
      remaining -= this.excluded[step];
      counts[FeasibilityTally.remainingKey(step)] = remaining;
      counts[FeasibilityTally.excludedKey(step)] = this.excluded[step];
      relations.push({
        total: previous,
        parts: [FeasibilityTally.remainingKey(step), FeasibilityTally.excludedKey(step)],
      });
      previous = FeasibilityTally.remainingKey(step);
    });
    const excludedTotal = this.population - remaining;
    counts[FeasibilityTally.EXCLUDED_TOTAL] = excludedTotal;
    relations.push({ total: FeasibilityTally.START, parts: [previous, FeasibilityTally.EXCLUDED_TOTAL] });
    relations.push({
      total: FeasibilityTally.EXCLUDED_TOTAL,
      parts: this.steps.map((_, step) => FeasibilityTally.excludedKey(step)),
    });
    const pool = this.pool.table();
    relations.push({ total: previous, parts: POOL_GROUPS.map((group) => this.pool.totalKey(group)) });

    // In key order, so that the table (and the order relations are met in) does not depend on how it was
    // counted. Only the ineligible reasons are counts of the answer (see undeterminedReasons).
    const reasonKeys = [...this.reasonCounts.keys()]
      .filter((key) => this.reasons.get(key)!.kind === 'ineligible')
      .sort();
    for (const key of reasonKeys) counts[key] = this.reasonCounts.get(key)!;
    // Where no one has two reasons, the reasons add up to everyone excluded.
    if (reasonKeys.reduce((sum, key) => sum + this.reasonCounts.get(key)!, 0) === excludedTotal)
      relations.push({ total: FeasibilityTally.EXCLUDED_TOTAL, parts: reasonKeys });
    const firstStepLeaf = this.steps.length > 0 ? soleLeafPath(this.criteria, this.steps[0].path) : null;
    const firstStepReason = firstStepLeaf && `reasons.ineligible.${firstStepLeaf}`;
    if (firstStepReason && firstStepReason in counts)
      relations.push({ total: FeasibilityTally.excludedKey(0), parts: [firstStepReason] });
    return combineTables([{ counts, relations }, pool]);
  }
}

/** A criterion in words: a leaf as the evaluator words it, a combinator by its parts. */
function describe(node: Criterion): string {
  if (isLeaf(node)) return criterionText(node);
  if (node.type === 'not') return `not (${describe(node.of)})`;
  return `${node.type} of (${node.of.map(describe).join('; ')})`;
}

/**
 * The JSON path of the single leaf a node comes down to when it is a leaf or a chain of combinators with
 * one leaf between them (its result is then that leaf's result, or its negation), else null.
 */
function soleLeafPath(criteria: Criterion, path: string): string | null {
  let node: Criterion = criteria;
  if (path !== CRITERIA_PATH)
    node = (criteria as { of: Criterion[] }).of[Number(/\[(\d+)\]$/.exec(path)![1])];
  let at = path;
  for (;;) {
    if (isLeaf(node)) return at;
    if (node.type === 'not') {
      node = node.of;
      at = `${at}.of`;
    } else if (node.of.length === 1) {
      node = node.of[0];
      at = `${at}.of[0]`;
    } else return null;
  }
}
