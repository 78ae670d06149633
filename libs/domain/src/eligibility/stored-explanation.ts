import { AmyloidModality } from '../biomarkers/amyloid-status';
import { addDays, CalendarDate, daysBetween, isCalendarDate } from '../schedule/calendar';
import type { Criterion } from './criteria';
import type { Determination, LeafJudgement, Outcome } from './evaluate';
import { explainJudgements } from './explanation';

/**
 * What a stored determination keeps to be explained again: the day it was judged for and each leaf's
 * judgement in the criteria document's leaf order, as positional arrays,
 * `[1, asOf, [[outcome, value?, daysBeforeAsOf?, modality?], ...]]` (outcome 0 pass, 1 fail, 2 unknown;
 * trailing absent fields left off). No words and no structure: the criteria version's document gives those,
 * and `explainStoredDetermination` rebuilds the tree from the two. It is written with every determination,
 * so it must stay small: storing whole explanations made a first screen of a large cohort write gigabytes.
 */
export type StoredExplanation = [
  version: typeof STORED_EXPLANATION_VERSION,
  asOf: CalendarDate,
  StoredLeaf[],
];

type StoredLeaf =
  | [outcome: OutcomeCode]
  | [outcome: OutcomeCode, value: unknown]
  | [outcome: OutcomeCode, value: unknown, daysBeforeAsOf: number]
  | [outcome: OutcomeCode, value: unknown, daysBeforeAsOf: number, modality: AmyloidModality];

type OutcomeCode = 0 | 1 | 2;

export const STORED_EXPLANATION_VERSION = 1;

const CODE: Record<Outcome, OutcomeCode> = { pass: 0, fail: 1, unknown: 2 };
const OUTCOME: readonly Outcome[] = ['pass', 'fail', 'unknown'];
const MODALITIES: readonly string[] = Object.values(AmyloidModality);

/** The compact record of a determination's leaf judgements on `asOf` (see StoredExplanation). */
export function encodeStoredExplanation(
  asOf: CalendarDate,
  judgements: readonly LeafJudgement[],
): StoredExplanation {
  return [STORED_EXPLANATION_VERSION, asOf, judgements.map((judged) => encodeLeaf(asOf, judged))];
}

function encodeLeaf(asOf: CalendarDate, { outcome, value, date, modality }: LeafJudgement): StoredLeaf {
  const code = CODE[outcome];
  if (value === undefined) return [code];
  if (date === undefined) return [code, value];
  // Days before the day judged: a small integer instead of a ten-character date.
  const daysBefore = daysBetween(date, asOf);
  return modality === undefined ? [code, value, daysBefore] : [code, value, daysBefore, modality];
}

/** A stored explanation read back: the day it was judged for and each leaf's judgement. */
export interface DecodedExplanation {
  asOf: CalendarDate;
  judgements: LeafJudgement[];
}

/**
 * Reads a stored explanation (as parsed from the database); the one place its layout is read. Anything
 * that is not a known version of the record is refused, never guessed at.
 */
export function decodeStoredExplanation(stored: unknown): DecodedExplanation {
  if (!Array.isArray(stored) || stored[0] !== STORED_EXPLANATION_VERSION)
    throw new Error(`not a stored explanation of version ${STORED_EXPLANATION_VERSION}`);
  const [, asOf, leaves] = stored as [number, unknown, unknown];
  if (typeof asOf !== 'string' || !isCalendarDate(asOf) || !Array.isArray(leaves))
    throw new Error('a stored explanation needs its day and its leaves');
  return { asOf, judgements: leaves.map((leaf, i) => decodeLeaf(asOf, leaf, i)) };
}

function decodeLeaf(asOf: CalendarDate, leaf: unknown, index: number): LeafJudgement {
  if (!Array.isArray(leaf) || leaf.length < 1 || leaf.length > 4)
    throw new Error(`stored leaf ${index} is not a judgement`);
  const [code, value, daysBefore, modality] = leaf as [unknown, unknown, unknown, unknown];
  const outcome = typeof code === 'number' ? OUTCOME[code] : undefined;
  if (outcome === undefined) throw new Error(`stored leaf ${index} has no outcome`);
  const judged: LeafJudgement = { outcome };
  if (leaf.length >= 2) judged.value = value;
  if (leaf.length >= 3) {
    if (typeof daysBefore !== 'number' || !Number.isInteger(daysBefore))
      throw new Error(`stored leaf ${index} has no day`);
    judged.date = addDays(asOf, -daysBefore);
  }
  if (leaf.length === 4) {
    if (typeof modality !== 'string' || !MODALITIES.includes(modality))
      throw new Error(`stored leaf ${index} has no known modality`);
    judged.modality = modality as AmyloidModality;
  }
  return judged;
}

/**
 * A stored determination explained again from the criteria version it was judged against: the same tree,
 * words, deciding leaves and one-test-away that the evaluation gave when it was stored, whatever the
 * participant's data has become since. Fails if the record does not fit the criteria.
 */
export function explainStoredDetermination(
  criteria: Criterion,
  stored: unknown,
): Determination & { asOf: CalendarDate } {
  const { asOf, judgements } = decodeStoredExplanation(stored);
  return { ...explainJudgements(criteria, judgements), asOf };
}
