import type { Criterion } from './criteria';
import {
  Determination,
  EligibilityResult,
  explainLeaf,
  isLeaf,
  Leaf,
  LeafExplanation,
  LeafJudgement,
  Outcome,
  leafFactText,
} from './evaluate';

/** A leaf of the explanation tree: what it asks, the value and date it used, its result and why. */
export interface ExplainedLeafNode {
  kind: 'leaf';
  /** JSON path of the leaf in the criteria document. */
  path: string;
  criterion: string;
  result: Outcome;
  value?: unknown;
  date?: string;
  /** Why it passed, failed or is unknown, in words. */
  reason: string;
  /** For unknown leaves: the assessments (or other facts) any one of which would decide it. */
  tests?: string[];
}

/** A combinator of the explanation tree, with its own three-valued result and its parts. */
export interface ExplainedCombinatorNode {
  kind: 'all' | 'any' | 'not';
  path: string;
  result: Outcome;
  children: ExplanationNode[];
}

/** The criteria document as a tree, each node with its result for one participant on one day. */
export type ExplanationNode = ExplainedLeafNode | ExplainedCombinatorNode;

/** A leaf that decided the result, with what it made of the whole. */
export interface DecidingLeaf extends ExplainedLeafNode {
  /**
   * The leaf's result as the whole criteria see it: its own result, swapped once for each `not` above it.
   * An eligible participant's deciding leaves all have effect `pass`, even a `not` whose inner leaf failed.
   */
  effect: Outcome;
}

const RESULT: Record<Outcome, EligibilityResult> = {
  pass: 'eligible',
  fail: 'ineligible',
  unknown: 'undetermined',
};

const negate = (outcome: Outcome): Outcome =>
  outcome === 'pass' ? 'fail' : outcome === 'fail' ? 'pass' : 'unknown';

/** Kleene's three-valued logic: `all` fails on any failing part, `any` passes on any passing one. */
function combine(kind: 'all' | 'any', outcomes: readonly Outcome[]): Outcome {
  const decisive: Outcome = kind === 'all' ? 'fail' : 'pass';
  if (outcomes.includes(decisive)) return decisive;
  if (outcomes.includes('unknown')) return 'unknown';
  return negate(decisive);
}

/**
 * The explained determination of criteria from the judgement of each of their leaves, in document order:
 * the result, the one test that would decide an undetermined participant, every leaf in words, the tree with
 * each node's result, and the leaves that decided it. A live evaluation and a stored determination are both
 * explained by this one function, so the two cannot word or combine leaves differently.
 */
export function explainJudgements(criteria: Criterion, judgements: readonly LeafJudgement[]): Determination {
  const leaves: LeafExplanation[] = [];
  const tree = buildNode(criteria, '$.criteria', judgements, leaves);
  if (leaves.length !== judgements.length)
    throw new Error(`${judgements.length} leaf judgements given for criteria with ${leaves.length} leaves`);
  return {
    result: RESULT[tree.result],
    oneTestAway: tree.result === 'unknown' ? oneTestAway(criteria, leaves) : null,
    leaves,
    tree,
    summary: decidingLeaves(tree, false),
    judgements: [...judgements],
  };
}

function buildNode(
  node: Criterion,
  path: string,
  judgements: readonly LeafJudgement[],
  leaves: LeafExplanation[],
): ExplanationNode {
  if (isLeaf(node)) {
    const judged = judgements[leaves.length];
    if (judged === undefined)
      throw new Error(`no leaf judgement for ${path}: fewer judgements than the criteria have leaves`);
    const explained: LeafExplanation = { path, ...explainLeaf(node, judged) };
    leaves.push(explained);
    return leafNode(node, judged, explained);
  }
  if (node.type === 'not') {
    const child = buildNode(node.of, `${path}.of`, judgements, leaves);
    return { kind: 'not', path, result: negate(child.result), children: [child] };
  }
  const children = node.of.map((child, i) => buildNode(child, `${path}.of[${i}]`, judgements, leaves));
  return {
    kind: node.type,
    path,
    result: combine(
      node.type,
      children.map((child) => child.result),
    ),
    children,
  };
}

function leafNode(node: Leaf, judged: LeafJudgement, explained: LeafExplanation): ExplainedLeafNode {
  const { path, criterion, outcome, value, date, needs, tests } = explained;
  const reason =
    outcome === 'unknown'
      ? (needs ?? `needs ${criterion}`)
      : `${leafFactText(node, judged)}: ${outcome === 'pass' ? 'meets' : 'does not meet'} ${criterion}`;
  return {
    kind: 'leaf',
    path,
    criterion,
    result: outcome,
    ...(value !== undefined ? { value } : {}),
    ...(date !== undefined ? { date } : {}),
    reason,
    ...(tests !== undefined && outcome === 'unknown' ? { tests } : {}),
  };
}

/**
 * The leaves that decided a node's result: a node's result comes from its parts with that same result (a
 * failing `all` from its failing parts, a passing `any` from its passing alternatives, an undetermined
 * either from its unknown parts; a passing `all` or a failing `any` needs every part); a `not` is decided by
 * what decides its part. The failing alternatives of a passing `any` decided nothing, and are left out.
 */
function decidingLeaves(node: ExplanationNode, negated: boolean): DecidingLeaf[] {
  if (node.kind === 'leaf') return [{ ...node, effect: negated ? negate(node.result) : node.result }];
  if (node.kind === 'not') return decidingLeaves(node.children[0], !negated);
  return node.children
    .filter((child) => child.result === node.result)
    .flatMap((child) => decidingLeaves(child, negated));
}

/**
 * For an undetermined participant: the first test (in document order of the unknown leaves) which, if it
 * came out right, would make them eligible, with what it would decide.
 */
function oneTestAway(criteria: Criterion, leaves: readonly LeafExplanation[]): Determination['oneTestAway'] {
  const unknownLeaves = leaves.filter((l) => l.outcome === 'unknown');
  const candidates = [...new Set(unknownLeaves.flatMap((l) => l.tests ?? []))];
  for (const test of candidates) {
    if (outcomeAssuming(criteria, leaves, test, { next: 0 }) === 'pass') {
      const needs = unknownLeaves.filter((l) => l.tests?.includes(test)).map((l) => l.needs!);
      return { test, needs };
    }
  }
  return null;
}

/** The criteria's outcome if every unknown leaf that `test` could decide passed. */
function outcomeAssuming(
  node: Criterion,
  leaves: readonly LeafExplanation[],
  test: string,
  cursor: { next: number },
): Outcome {
  if (isLeaf(node)) {
    const leaf = leaves[cursor.next++];
    return leaf.outcome === 'unknown' && leaf.tests?.includes(test) ? 'pass' : leaf.outcome;
  }
  if (node.type === 'not') return negate(outcomeAssuming(node.of, leaves, test, cursor));
  return combine(
    node.type,
    node.of.map((child) => outcomeAssuming(child, leaves, test, cursor)),
  );
}
