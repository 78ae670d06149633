import { ConsentScope } from '../consent/consent-scope';
import { ParticipantStatus } from '../participants/participant-status';
import type { Determination, ParticipantProfile } from './evaluate';
import type { Verdict } from './screening-plan';

/**
 * What screening does with a verdict: whether the stored determination is rewritten, and which flags (the
 * lists coordinators act on) are raised or closed, with the reasons. Pure and allocation-light: a cohort
 * re-screen asks for every participant and trial, and nearly always the answer is "nothing" (null).
 */

/** The kinds of flag a coordinator acts on: approach the participant, or collect the one missing test. */
export type FlagKind = 'eligible' | 'one_test_away';

/** Statuses in which a person must not be approached for a trial, whatever their data says. */
export const NEVER_FLAGGED: readonly ParticipantStatus[] = Object.freeze([
  ParticipantStatus.Withdrawn,
  ParticipantStatus.Deceased,
  ParticipantStatus.InTrial,
]);

/** Whether a participant may be approached for any trial; when not, why not. */
export type Approachability = 'approachable' | 'no_recontact_consent' | 'status_never_flagged';

/** Only someone who consented to be recontacted for trials, in a status that allows it, is approached. */
export function approachability(
  profile: Pick<ParticipantProfile, 'status' | 'consentScopes'>,
): Approachability {
  if (!profile.consentScopes.includes(ConsentScope.RecontactForTrials)) return 'no_recontact_consent';
  return NEVER_FLAGGED.includes(profile.status) ? 'status_never_flagged' : 'approachable';
}

/** What the last screening stored for a participant and trial. */
export interface StoredVerdict {
  criteriaVersion: number;
  result: string;
  oneTestAway: string | null;
  /** False for a row stored before explanations were kept. */
  explained: boolean;
}

/**
 * What to write for one participant and trial (see `decideTrialScreening`).
 * - `determination`: 'result' stores a changed result (with a history row); 'explanation' stores the same
 *   result again, with the explanation it lacked (no history row); null keeps what is stored.
 * - `closeFlagsBut`: when set, the open flags of every kind but `keep` are closed (see `flagCloseReason`).
 * - `raiseFlag`: a flag of this kind is raised (the next episode).
 */
export interface TrialScreeningDecision {
  determination: 'result' | 'explanation' | null;
  closeFlagsBut: { keep: FlagKind | null } | null;
  raiseFlag: FlagKind | null;
}

const KEEP_NONE = Object.freeze({ keep: null });
const KEEP_ELIGIBLE = Object.freeze({ keep: 'eligible' as const });
const KEEP_ONE_TEST_AWAY = Object.freeze({ keep: 'one_test_away' as const });
const keeping = (kind: FlagKind | null) =>
  kind === null ? KEEP_NONE : kind === 'eligible' ? KEEP_ELIGIBLE : KEEP_ONE_TEST_AWAY;

/**
 * Decides what screening writes for one participant and trial, from the verdict on them, what is stored,
 * and the flags open. Null when nothing is to be written (the usual case of a re-screen).
 *
 * A determination whose result, one-test-away and criteria version are unchanged is kept as it is, even
 * when its explanation would now read differently (a new MMSE that still passes, a birthday inside the age
 * band): the view shows the stored explanation with the day it was judged for, so it is never wrong about
 * what was decided, only dated. A row stored before explanations were kept is stored once again with one.
 *
 * An approachable participant who is eligible, or one test away, has one open flag of that kind; every other
 * open flag of theirs for the trial is closed.
 */
export function decideTrialScreening(
  approach: Approachability,
  criteriaVersion: number,
  verdict: Verdict,
  stored: StoredVerdict | undefined,
  openFlags: readonly FlagKind[],
): TrialScreeningDecision | null {
  const determination =
    stored === undefined ||
    stored.result !== verdict.result ||
    stored.oneTestAway !== verdict.oneTestAway ||
    stored.criteriaVersion !== criteriaVersion
      ? 'result'
      : stored.explained
        ? null
        : 'explanation';
  const wanted = wantedFlag(approach, verdict);
  let closeOthers = false;
  let wantedOpen = false;
  for (let i = 0; i < openFlags.length; i++) {
    if (openFlags[i] === wanted) wantedOpen = true;
    else closeOthers = true;
  }
  const raiseFlag = wanted !== null && !wantedOpen ? wanted : null;
  if (determination === null && !closeOthers && raiseFlag === null) return null;
  return { determination, closeFlagsBut: closeOthers ? keeping(wanted) : null, raiseFlag };
}

/** The flag an approachable participant should have open: eligible, or one test away; else none. */
function wantedFlag(approach: Approachability, verdict: Verdict): FlagKind | null {
  if (approach !== 'approachable') return null;
  if (verdict.result === 'eligible') return 'eligible';
  return verdict.oneTestAway ? 'one_test_away' : null;
}

/**
 * Why open flags are closed, in words for the coordinator: the participant may no longer be approached
 * (no recontact consent, or their status), is no longer eligible (naming the criteria that decided it), has
 * become eligible (a one-test-away flag gives way), or is no longer one test away. `explain` is called only
 * for the "no longer eligible" reason.
 */
export function flagCloseReason(
  approach: Approachability,
  status: ParticipantStatus,
  verdict: Verdict,
  explain: () => Determination,
): string {
  if (approach === 'no_recontact_consent') return 'no consent to be recontacted for trials';
  if (approach === 'status_never_flagged') return `participant status is ${status}`;
  if (verdict.result === 'ineligible') return `no longer eligible: ${failingCriteria(explain()).join('; ')}`;
  return verdict.result === 'eligible' ? 'now eligible' : 'no longer one test away';
}

/** The deciding criteria of an ineligible result (a leaf under `not` decided it by passing). */
function failingCriteria(determination: Determination): string[] {
  return determination.summary
    .filter((leaf) => leaf.effect === 'fail')
    .map((leaf) => (leaf.result === 'fail' ? leaf.criterion : `not ${leaf.criterion}`));
}

/**
 * The reasons kept with a changed determination in its history: the deciding leaves that did not pass,
 * what failed or what is missing.
 */
export function determinationHistoryReasons(determination: Determination): string[] {
  return determination.summary
    .filter((leaf) => leaf.result !== 'pass')
    .map((leaf) => (leaf.result === 'fail' ? `fails: ${leaf.criterion}` : `unknown: ${leaf.reason}`));
}
