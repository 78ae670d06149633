import type { CalendarDate } from '../schedule/calendar';
import type { Criterion } from './criteria';
import {
  EligibilityResult,
  EvaluationContext,
  isLeaf,
  judgeLeaf,
  Leaf,
  leafDependsOnTrial,
  leafKey,
  leafTests,
  Outcome,
  ParticipantProfile,
} from './evaluate';

/** What screening stores for one participant and trial: the result and, when one test away, that test. */
export interface Verdict {
  readonly result: EligibilityResult;
  readonly oneTestAway: string | null;
}

/** A trial in a screening plan: its id (a commitment to it is not "another trial") and its criteria. */
export interface PlannedTrial {
  id: string;
  criteria: Criterion;
}

// Leaf outcomes as small integers in a typed array: a cohort re-screen judges millions of them.
const PASS = 0;
const FAIL = 1;
const UNKNOWN = 2;
const NOT_YET_JUDGED = 3;
type Judged = typeof PASS | typeof FAIL | typeof UNKNOWN;

const JUDGED: Record<Outcome, Judged> = { pass: PASS, fail: FAIL, unknown: UNKNOWN };
// Shared, frozen verdicts for the common cases: a re-screen returns millions of them.
const DECIDED: Record<typeof PASS | typeof FAIL, Verdict> = {
  [PASS]: Object.freeze({ result: 'eligible', oneTestAway: null }),
  [FAIL]: Object.freeze({ result: 'ineligible', oneTestAway: null }),
};
const UNDETERMINED: Verdict = Object.freeze({ result: 'undetermined', oneTestAway: null });

type CompiledNode =
  | { kind: 'all' | 'any'; of: CompiledNode[] }
  | { kind: 'not'; of: CompiledNode }
  | { kind: 'leaf'; index: number };

interface PlannedLeaf {
  node: Leaf;
  /** Set for leaves whose outcome depends on the trial asking. */
  trialId?: string;
  tests: readonly string[];
}

interface CompiledTrial {
  tree: CompiledNode;
  /** The trial's leaves in document order, as `evaluateCriteria` lists them: one-test-away candidates follow it. */
  leafOrder: number[];
}

/**
 * Several trials' criteria compiled for screening many participants: every distinct leaf across the trials
 * is judged at most once per participant (trials share age bands, cognition, MRI safety, consent), only as
 * far as the trials need it, and without building explanations. It gives exactly the result and
 * one-test-away test that `evaluateCriteria` gives (a property the tests check on a generated cohort);
 * explanations come from `decideCriteria` (what `evaluateCriteria` says, without the words nobody reads),
 * only for the determinations that changed.
 */
export class ScreeningPlan {
  private readonly leaves: PlannedLeaf[] = [];
  private readonly compiled: CompiledTrial[];

  constructor(trials: readonly PlannedTrial[]) {
    const indexByKey = new Map<string, number>();
    const leafIndex = (node: Leaf, trialId: string): number => {
      const dependsOnTrial = leafDependsOnTrial(node);
      const key = dependsOnTrial ? `${trialId}|${leafKey(node)}` : leafKey(node);
      let index = indexByKey.get(key);
      if (index === undefined) {
        index = this.leaves.length;
        indexByKey.set(key, index);
        this.leaves.push({
          node,
          trialId: dependsOnTrial ? trialId : undefined,
          tests: leafTests(node) ?? [],
        });
      }
      return index;
    };
    const compile = (node: Criterion, trialId: string, order: number[]): CompiledNode => {
      if (isLeaf(node)) {
        const index = leafIndex(node, trialId);
        order.push(index);
        return { kind: 'leaf', index };
      }
      if (node.type === 'not') return { kind: 'not', of: compile(node.of, trialId, order) };
      return { kind: node.type, of: node.of.map((child) => compile(child, trialId, order)) };
    };
    this.compiled = trials.map((trial) => {
      const leafOrder: number[] = [];
      return { tree: compile(trial.criteria, trial.id, leafOrder), leafOrder };
    });
  }

  /** How many distinct leaves the trials have between them. */
  get distinctLeaves(): number {
    return this.leaves.length;
  }

  /**
   * The assessment types the trials read (measures and amyloid status): loading only these is enough to
   * screen, and to explain, against these trials.
   */
  get assessmentTypes(): string[] {
    const types = new Set<string>();
    for (const { node, tests } of this.leaves) {
      if (node.type === 'measure' || node.type === 'amyloid') tests.forEach((test) => types.add(test));
    }
    return [...types].sort();
  }

  /** Starts screening one participant on one day; ask it for each trial's verdict by the trial's index. */
  forParticipant(profile: ParticipantProfile, asOf: CalendarDate): ParticipantScreen {
    return new ParticipantScreen(this.leaves, this.compiled, profile, asOf);
  }
}

export class ParticipantScreen {
  private readonly outcomes: Uint8Array;
  private readonly context: EvaluationContext;
  /** The context for leaves that depend on the trial, re-pointed at each one's trial before it is judged. */
  private readonly trialContext: EvaluationContext;

  constructor(
    private readonly leaves: readonly PlannedLeaf[],
    private readonly trials: readonly CompiledTrial[],
    private readonly profile: ParticipantProfile,
    asOf: CalendarDate,
  ) {
    this.outcomes = new Uint8Array(leaves.length).fill(NOT_YET_JUDGED);
    this.context = { asOf };
    this.trialContext = { asOf };
  }

  verdict(trialIndex: number): Verdict {
    const trial = this.trials[trialIndex];
    const outcome = this.evaluate(trial.tree, undefined);
    if (outcome !== UNKNOWN) return DECIDED[outcome];
    // Undetermined: is there one test which, if it came out right, would make the participant eligible?
    // Candidates in the order evaluateCriteria tries them, so both name the same test.
    const tried = new Set<string>();
    for (const index of trial.leafOrder) {
      if (this.outcome(index) !== UNKNOWN) continue;
      for (const test of this.leaves[index].tests) {
        if (tried.has(test)) continue;
        tried.add(test);
        if (this.evaluate(trial.tree, test) === PASS) return { result: 'undetermined', oneTestAway: test };
      }
    }
    return UNDETERMINED;
  }

  /** Kleene's three-valued logic, as evaluateCriteria applies it, stopping early where the answer is known. */
  private evaluate(node: CompiledNode, assumePassing: string | undefined): Judged {
    switch (node.kind) {
      case 'leaf': {
        const outcome = this.outcome(node.index);
        if (
          outcome === UNKNOWN &&
          assumePassing !== undefined &&
          this.leaves[node.index].tests.includes(assumePassing)
        )
          return PASS;
        return outcome;
      }
      case 'not': {
        const inner = this.evaluate(node.of, assumePassing);
        return inner === PASS ? FAIL : inner === FAIL ? PASS : UNKNOWN;
      }
      case 'all':
      case 'any': {
        // `all` is decided by any failing part, `any` by any passing one; otherwise unknown beats the rest.
        const decisive = node.kind === 'all' ? FAIL : PASS;
        let unknown = false;
        for (const child of node.of) {
          const outcome = this.evaluate(child, assumePassing);
          if (outcome === decisive) return decisive;
          if (outcome === UNKNOWN) unknown = true;
        }
        return unknown ? UNKNOWN : decisive === FAIL ? PASS : FAIL;
      }
    }
  }

  private outcome(index: number): Judged {
    const known = this.outcomes[index];
    if (known !== NOT_YET_JUDGED) return known as Judged;
    const leaf = this.leaves[index];
    // judgeLeaf keeps nothing of its context, so one object serves every trial-dependent leaf.
    let context = this.context;
    if (leaf.trialId !== undefined) (context = this.trialContext).trialId = leaf.trialId;
    const judged = JUDGED[judgeLeaf(leaf.node, this.profile, context).outcome];
    this.outcomes[index] = judged;
    return judged;
  }
}
