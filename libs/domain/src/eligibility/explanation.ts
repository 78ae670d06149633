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
 * explained by this one function, so the two cannot word or combine leaves differently; what screening
 * writes (`decideJudgements`) words its leaves with the same `leafNode` and picks them with the same
 * `decidingLeafPlaces`.
 */
export function explainJudgements(criteria: Criterion, judgements: readonly LeafJudgement[]): Determination {
  const leaves: LeafExplanation[] = [];
  const leafNodes: ExplainedLeafNode[] = [];
  const outcomes: Outcome[] = [];
  const tree = buildNode(criteria, ROOT_PATH, judgements, { leaves, leafNodes, outcomes });
  if (leaves.length !== judgements.length)
    throw new Error(`${judgements.length} leaf judgements given for criteria with ${leaves.length} leaves`);
  return {
    result: RESULT[tree.result],
    oneTestAway: tree.result === 'unknown' ? oneTestAway(criteria, leaves) : null,
    leaves,
    tree,
    summary: decidingLeafPlaces(criteria, outcomes).map(({ leafIndex, effect }) => ({
      ...leafNodes[leafIndex],
      effect,
    })),
    judgements: [...judgements],
  };
}

/** What screening writes of a determination (see `decideJudgements`): no tree, and not every leaf in words. */
export type DecidedDetermination = Pick<Determination, 'result' | 'oneTestAway' | 'summary' | 'judgements'>;

/**
 * The parts of `explainJudgements` that a stored determination, its history and a closed flag's reason
 * need (result, one test away, deciding leaves, judgements), equal to its, with only the deciding leaves put
 * into words (and, for an undetermined result, the unknown ones): a first screen writes a million
 * determinations, and wording every leaf of each was a fifth of the worker's work.
 */
export function decideJudgements(
  criteria: Criterion,
  judgements: readonly LeafJudgement[],
): DecidedDetermination {
  const outcomes = nodeOutcomes(criteria, judgements);
  const leafList = leavesOf(criteria);
  const word = (leafIndex: number, path: string): ExplainedLeafNode => {
    const node = leafList[leafIndex];
    const judged = judgements[leafIndex];
    return leafNode(node, judged, { path, ...explainLeaf(node, judged) });
  };
  return {
    result: RESULT[outcomes[0]],
    oneTestAway:
      outcomes[0] === 'unknown'
        ? oneTestAway(
            criteria,
            judgements.map((judged, i) =>
              judged.outcome === 'unknown' ? explainLeaf(leafList[i], judged) : { outcome: judged.outcome },
            ),
          )
        : null,
    summary: decidingLeafPlaces(criteria, outcomes).map(({ leafIndex, path, effect }) => {
      // The worded leaf is made here and for nobody else: given its effect in place, not copied.
      const deciding = word(leafIndex, path) as DecidingLeaf;
      deciding.effect = effect;
      return deciding;
    }),
    judgements: [...judgements],
  };
}

/** Where the criteria document's root is, and the paths of a node's parts: one scheme for every explanation. */
const ROOT_PATH = '$.criteria';
const notPartPath = (path: string): string => `${path}.of`;
const partPath = (path: string, index: number): string => `${path}.of[${index}]`;

/** The leaves of criteria in document order (kept per document: screening asks for them per determination). */
const LEAVES = new WeakMap<Criterion, Leaf[]>();
function leavesOf(criteria: Criterion): Leaf[] {
  let leaves = LEAVES.get(criteria);
  if (!leaves) {
    const found: Leaf[] = [];
    const visit = (node: Criterion): void => {
      if (isLeaf(node)) found.push(node);
      else if (node.type === 'not') visit(node.of);
      else node.of.forEach(visit);
    };
    visit(criteria);
    LEAVES.set(criteria, (leaves = found));
  }
  return leaves;
}

/** What building the tree collects besides it: each leaf explained and worded, and each node's result in pre-order. */
interface TreeParts {
  leaves: LeafExplanation[];
  leafNodes: ExplainedLeafNode[];
  /** As `nodeOutcomes` gives them, for `decidingLeafPlaces`. */
  outcomes: Outcome[];
}

function buildNode(
  node: Criterion,
  path: string,
  judgements: readonly LeafJudgement[],
  parts: TreeParts,
): ExplanationNode {
  const at = parts.outcomes.length;
  parts.outcomes.push('unknown');
  const built = buildNodeAt(node, path, judgements, parts);
  parts.outcomes[at] = built.result;
  return built;
}

function buildNodeAt(
  node: Criterion,
  path: string,
  judgements: readonly LeafJudgement[],
  parts: TreeParts,
): ExplanationNode {
  const { leaves, leafNodes } = parts;
  if (isLeaf(node)) {
    const judged = judgements[leaves.length];
    if (judged === undefined)
      throw new Error(`no leaf judgement for ${path}: fewer judgements than the criteria have leaves`);
    const explained: LeafExplanation = { path, ...explainLeaf(node, judged) };
    leaves.push(explained);
    const worded = leafNode(node, judged, explained);
    leafNodes.push(worded);
    return worded;
  }
  if (node.type === 'not') {
    const child = buildNode(node.of, notPartPath(path), judgements, parts);
    return { kind: 'not', path, result: negate(child.result), children: [child] };
  }
  const children = node.of.map((child, i) => buildNode(child, partPath(path, i), judgements, parts));
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

/**
 * Each node's result from its leaves' judgements, in pre-order (a node before its parts): what
 * `decidingLeafPlaces` walks. Fails unless there is exactly one judgement per leaf.
 */
function nodeOutcomes(criteria: Criterion, judgements: readonly LeafJudgement[]): Outcome[] {
  const outcomes: Outcome[] = [];
  let nextLeaf = 0;
  const visit = (node: Criterion): Outcome => {
    const at = outcomes.length;
    outcomes.push('unknown');
    let result: Outcome;
    if (isLeaf(node)) {
      const judged = judgements[nextLeaf++];
      if (judged === undefined)
        throw new Error(
          `no leaf judgement for leaf ${nextLeaf}: fewer judgements than the criteria have leaves`,
        );
      result = judged.outcome;
    } else if (node.type === 'not') result = negate(visit(node.of));
    else
      result = combine(
        node.type,
        node.of.map((child) => visit(child)),
      );
    outcomes[at] = result;
    return result;
  };
  visit(criteria);
  if (nextLeaf !== judgements.length)
    throw new Error(`${judgements.length} leaf judgements given for criteria with ${nextLeaf} leaves`);
  return outcomes;
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

/** A leaf that decided the result: its index in document order, its path, and its effect on the whole. */
interface DecidingPlace {
  leafIndex: number;
  path: string;
  effect: Outcome;
}

/**
 * The leaves that decided the result, in document order: a node's result comes from its parts with that
 * same result (a failing `all` from its failing parts, a passing `any` from its passing alternatives, an
 * undetermined either from its unknown parts; a passing `all` or a failing `any` needs every part); a `not`
 * is decided by what decides its part. The failing alternatives of a passing `any` decided nothing, and are
 * left out. A leaf's effect is its result swapped once for each `not` above it. `outcomes` is
 * `nodeOutcomes` of the same criteria.
 */
function decidingLeafPlaces(criteria: Criterion, outcomes: readonly Outcome[]): DecidingPlace[] {
  const places: DecidingPlace[] = [];
  let position = 0;
  let leafIndex = 0;
  // Every node is walked (to keep count of positions and leaves); only deciding ones get a path.
  const walk = (node: Criterion, path: string, negated: boolean, deciding: boolean): void => {
    const result = outcomes[position++];
    if (isLeaf(node)) {
      if (deciding) places.push({ leafIndex, path, effect: negated ? negate(result) : result });
      leafIndex++;
    } else if (node.type === 'not') walk(node.of, deciding ? notPartPath(path) : '', !negated, deciding);
    else
      node.of.forEach((child, i) => {
        // The child's own result is the next position (pre-order).
        const decides = deciding && outcomes[position] === result;
        walk(child, decides ? partPath(path, i) : '', negated, decides);
      });
  };
  walk(criteria, ROOT_PATH, false, true);
  return places;
}

/** What one test away reads of each leaf: its outcome and, for an unknown one, what would decide it. */
type LeafTests = Pick<LeafExplanation, 'outcome' | 'needs' | 'tests'>;

/**
 * For an undetermined participant: the first test (in document order of the unknown leaves) which, if it
 * came out right, would make them eligible, with what it would decide.
 */
function oneTestAway(criteria: Criterion, leaves: readonly LeafTests[]): Determination['oneTestAway'] {
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
  leaves: readonly LeafTests[],
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
