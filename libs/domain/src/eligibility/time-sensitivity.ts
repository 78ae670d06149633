import { AmyloidStatus } from '../biomarkers/amyloid-status';
import { addDays, CalendarDate, dayTurning, daysBetween } from '../schedule/calendar';
import type { Criterion } from './criteria';
import { isLeaf, judgeLeaf, Leaf, ParticipantProfile } from './evaluate';
import { ASSESSMENT_OF_AMYLOID_MODALITY } from './latest-results';
import { MEASURES, observationKey } from './measures';

/**
 * The first day after `asOf` on which a participant's determination for these criteria could change with
 * the passing of time alone, their data held as it is; null when time alone cannot change it.
 *
 * Only two kinds of leaf depend on the day: an age band (at the birthday on which the age enters or leaves
 * it) and a result with a recency window (the day after the window closes, when the result stops counting).
 * Everything else a leaf reads (status, consent, genotype, family history, results) changes only when data
 * are recorded, and a recorded change has the participant screened again anyway. Consents and withdrawals
 * cannot be dated after the site's today, so the scopes held do not change with time either.
 *
 * The day is a lower bound for the result: the leaf that changes on it may not change the whole (an `any`
 * with another passing alternative). A daily re-screen that re-judges a participant on or after this day,
 * and whenever their data change, misses nothing.
 */
export function nextChangeWithTime(
  criteria: Criterion,
  profile: ParticipantProfile,
  asOf: CalendarDate,
): CalendarDate | null {
  let earliest: CalendarDate | null = null;
  const visit = (node: Criterion): void => {
    if (isLeaf(node)) {
      const day = leafChangeDay(node, profile, asOf);
      if (day !== null && (earliest === null || day < earliest)) earliest = day;
    } else if (node.type === 'not') visit(node.of);
    else node.of.forEach(visit);
  };
  visit(criteria);
  return earliest;
}

/**
 * The days on which a leaf's facts cross a boundary of time (a birthday into or out of an age band, a result
 * leaving its window), in order; the first of them on which the evaluator's own judgement of the leaf
 * differs from today's is the leaf's change day. Asking the evaluator keeps the rule in one place: a result
 * leaving its window need not change an amyloid leaf decided by any modality, when another result passes.
 */
function leafChangeDay(node: Leaf, profile: ParticipantProfile, asOf: CalendarDate): CalendarDate | null {
  const candidates = boundaryDays(node, profile, asOf);
  if (candidates.length === 0) return null;
  const today = judgeLeaf(node, profile, { asOf }).outcome;
  candidates.sort();
  for (const day of candidates) if (judgeLeaf(node, profile, { asOf: day }).outcome !== today) return day;
  return null;
}

function boundaryDays(node: Leaf, profile: ParticipantProfile, asOf: CalendarDate): CalendarDate[] {
  switch (node.type) {
    case 'age': {
      const days: CalendarDate[] = [];
      // Whole years (the criteria validator refuses fractions; a stored document from before is read as the
      // evaluator reads it: age >= 59.5 is 60 or older, age <= 74.5 is 74 or younger).
      if (node.min !== undefined) days.push(dayTurning(profile.birthDate, Math.ceil(node.min)));
      if (node.max !== undefined) days.push(dayTurning(profile.birthDate, Math.floor(node.max) + 1));
      return days.filter((day) => day > asOf);
    }
    case 'measure': {
      const observation = node.maxAgeDays
        ? profile.observations[observationKey(node.measure, node.qualifier)]
        : undefined;
      return observation ? windowCloses(observation.date, node.maxAgeDays!, asOf) : [];
    }
    case 'amyloid': {
      if (!node.maxAgeDays) return [];
      const days: CalendarDate[] = [];
      for (const modality of node.modalities) {
        const result = profile.amyloid[modality];
        if (result && result.status !== AmyloidStatus.Unknown)
          days.push(...windowCloses(result.date, node.maxAgeDays, asOf));
      }
      return days;
    }
    default:
      return [];
  }
}

/** A result that counts for a leaf of the criteria today, and the first day it no longer does. */
export interface CountingResult {
  /** The assessment that gave the result (e.g. `amyloid_pet`, `mri`, `mmse`): the test to repeat. */
  test: string;
  /** The day the result was obtained. */
  resultDate: CalendarDate;
  /** The first day the leaf is judged otherwise because the result has left the leaf's recency window. */
  changeDay: CalendarDate;
}

/**
 * The results with a recency window that a leaf of these criteria reads on `asOf`, each with the first day
 * the leaf's judgement changes because the result has aged out of the window (the same day
 * `nextChangeWithTime` gives for that leaf; results whose ageing changes nothing are left out). A leaf read
 * in several places of the document is given once per place.
 */
export function countingResults(
  criteria: Criterion,
  profile: ParticipantProfile,
  asOf: CalendarDate,
): CountingResult[] {
  const found: CountingResult[] = [];
  const visit = (node: Criterion): void => {
    if (isLeaf(node)) {
      if ((node.type !== 'measure' && node.type !== 'amyloid') || !node.maxAgeDays) return;
      const judged = judgeLeaf(node, profile, { asOf });
      if (judged.date === undefined) return;
      const changeDay = leafChangeDay(node, profile, asOf);
      if (changeDay === null) return;
      const test =
        node.type === 'measure'
          ? MEASURES[node.measure].assessment
          : judged.modality && ASSESSMENT_OF_AMYLOID_MODALITY[judged.modality];
      if (test) found.push({ test, resultDate: judged.date, changeDay });
    } else if (node.type === 'not') visit(node.of);
    else node.of.forEach(visit);
  };
  visit(criteria);
  return found;
}

/** The first day a result of `date` no longer counts, if it still counts on `asOf`. */
function windowCloses(date: CalendarDate, maxAgeDays: number, asOf: CalendarDate): CalendarDate[] {
  return daysBetween(date, asOf) <= maxAgeDays ? [addDays(date, maxAgeDays + 1)] : [];
}

/** A stored determination that time alone never changes (PostgreSQL's date 'infinity'). */
export const NEVER_CHANGES_WITH_TIME = 'infinity';

/** A stored determination whose time-change day was never worked out (rows stored before it was kept). */
export const TIME_CHANGE_NOT_COMPUTED = '-infinity';

/**
 * The time-change day as a determination stores it: a calendar day, `NEVER_CHANGES_WITH_TIME`, or
 * `TIME_CHANGE_NOT_COMPUTED` (a string like a calendar day, so the type cannot tell them apart).
 */
export type StoredTimeChangeDay = string;

/** How a determination stores the day `nextChangeWithTime` gave (null: never). */
export function storedTimeChangeDay(day: CalendarDate | null): StoredTimeChangeDay {
  return day ?? NEVER_CHANGES_WITH_TIME;
}

/**
 * Whether a determination judged with the stored time-change day must be judged again on `asOf`, time
 * having passed: its day has come, or it was never worked out.
 */
export function timeChangeDue(stored: StoredTimeChangeDay, asOf: CalendarDate): boolean {
  if (stored === TIME_CHANGE_NOT_COMPUTED) return true;
  return stored !== NEVER_CHANGES_WITH_TIME && stored <= asOf;
}
