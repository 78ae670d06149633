import { ConsentScope } from '../consent/consent-scope';
import { ParticipantStatus } from '../participants/participant-status';
import type { CalendarDate } from '../schedule/calendar';
import type { EligibilityResult, ParticipantProfile } from './evaluate';
import type { DecidedDetermination } from './explanation';
import type { Verdict } from './screening-plan';
import { encodeStoredExplanation, StoredExplanation } from './stored-explanation';
import {
  StoredTimeChangeDay,
  storedTimeChangeDay,
  TIME_CHANGE_NOT_COMPUTED,
  timeChangeDue,
} from './time-sensitivity';

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
  /**
   * The first day time alone could change it, as stored. A reader may put `NEVER_CHANGES_WITH_TIME` for a
   * day it knows to be later than the day judged on without reading it: the policy compares the day itself
   * only when it has come, or when the participant's data changed.
   */
  changesWithTimeOn: StoredTimeChangeDay;
}

/**
 * What the policy needs to know about time for one participant and trial (see `decideTrialScreening`).
 */
export interface TimeSensitivity {
  /** The calendar day at the participant's site they are judged on. */
  readonly asOf: CalendarDate;
  /**
   * Their data changed since they were last screened (their own screening, after a visit, a consent or a
   * status change; not a cohort run): the stored time-change day may be wrong, so it is worked out again.
   */
  readonly dataChanged: boolean;
  /** `nextChangeWithTime` of the trial's criteria for them on `asOf`; asked only when needed. */
  nextChange(): CalendarDate | null;
}

/**
 * What to write for one participant and trial (see `decideTrialScreening`).
 * - `determination`: 'result' stores a changed result (with a history row); 'explanation' stores the same
 *   result again, with the explanation it lacked (no history row); 'time_change' stores the same result
 *   again, with the new first day time alone could change it (no history row); null keeps what is stored.
 * - `closeFlagsBut`: when set, the open flags of every kind but `keep` are closed (see `flagCloseReason`).
 * - `raiseFlag`: a flag of this kind is raised (the next episode).
 */
export interface TrialScreeningDecision {
  determination: 'result' | 'explanation' | 'time_change' | null;
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
 * the flags open, and when time alone could change the determination. Null when nothing is to be written
 * (the usual case of a re-screen).
 *
 * A determination whose result, one-test-away and criteria version are unchanged is kept as it is, even
 * when its explanation would now read differently (a new MMSE that still passes, a birthday inside the age
 * band): the view shows the stored explanation with the day it was judged for, so it is never wrong about
 * what was decided, only dated. A row stored before explanations were kept is stored once again with one.
 *
 * Each stored determination carries the first day time alone could change it, and a site's daily re-screen
 * judges only those whose day has come. A stored day later than the true one would let the daily run miss
 * a birthday or an expiring result; an earlier one only has the participant judged again early. So the day
 * is worked out again (and the determination stored again with it when it moved) whenever the stored day
 * has come, or the participant's data changed; otherwise not at all, to keep a re-screen in which nothing
 * changed as cheap as before.
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
  time: TimeSensitivity,
): TrialScreeningDecision | null {
  const determination = determinationToStore(criteriaVersion, verdict, stored, time);
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

/** Whether the determination is stored again, and why (see `TrialScreeningDecision`). */
function determinationToStore(
  criteriaVersion: number,
  verdict: Verdict,
  stored: StoredVerdict | undefined,
  time: TimeSensitivity,
): TrialScreeningDecision['determination'] {
  if (
    stored === undefined ||
    stored.result !== verdict.result ||
    stored.oneTestAway !== verdict.oneTestAway ||
    stored.criteriaVersion !== criteriaVersion
  )
    return 'result';
  if (!stored.explained) return 'explanation';
  if (!time.dataChanged && !timeChangeDue(stored.changesWithTimeOn, time.asOf)) return null;
  return storedTimeChangeDay(time.nextChange()) === stored.changesWithTimeOn ? null : 'time_change';
}

/** The flag an approachable participant should have open: eligible, or one test away; else none. */
function wantedFlag(approach: Approachability, verdict: Verdict): FlagKind | null {
  if (approach !== 'approachable') return null;
  if (verdict.result === 'eligible') return 'eligible';
  return verdict.oneTestAway ? 'one_test_away' : null;
}

/** Why every open flag of a trial is closed when the trial closes (nobody is approached for it any more). */
export const TRIAL_CLOSED_REASON = 'trial closed';

/**
 * Why open flags are closed, in words for the coordinator: the participant may no longer be approached
 * (no recontact consent, or their status), is no longer eligible (naming the criteria that failed, or what
 * is now missing, such as a result that left its window), has become eligible (a one-test-away flag gives
 * way), or is no longer one test away (naming what is missing). `closing` is the kinds of the flags closed:
 * an eligible flag that closes because the result became undetermined says "no longer eligible". `explain`
 * is called only for the reasons that name criteria.
 */
export function flagCloseReason(
  approach: Approachability,
  status: ParticipantStatus,
  verdict: Verdict,
  explain: () => DecidedDetermination,
  closing: readonly FlagKind[] = [],
): string {
  if (approach === 'no_recontact_consent') return 'no consent to be recontacted for trials';
  if (approach === 'status_never_flagged') return `participant status is ${status}`;
  if (verdict.result === 'ineligible') return `no longer eligible: ${failingCriteria(explain()).join('; ')}`;
  if (verdict.result === 'eligible') return 'now eligible';
  const missing = missingCriteria(explain()).join('; ');
  return closing.includes('eligible')
    ? `no longer eligible: ${missing}`
    : `no longer one test away: ${missing}`;
}

/** What an undetermined result lacks: the deciding unknown leaves, each saying what would decide it. */
function missingCriteria(determination: DecidedDetermination): string[] {
  return determination.summary.filter((leaf) => leaf.result === 'unknown').map((leaf) => leaf.reason);
}

/** The deciding criteria of an ineligible result (a leaf under `not` decided it by passing). */
function failingCriteria(determination: DecidedDetermination): string[] {
  return determination.summary
    .filter((leaf) => leaf.effect === 'fail')
    .map((leaf) => (leaf.result === 'fail' ? leaf.criterion : `not ${leaf.criterion}`));
}

/**
 * The reasons kept with a changed determination in its history: the deciding leaves that did not pass,
 * what failed or what is missing.
 */
export function determinationHistoryReasons(determination: DecidedDetermination): string[] {
  return determination.summary
    .filter((leaf) => leaf.result !== 'pass')
    .map((leaf) => (leaf.result === 'fail' ? `fails: ${leaf.criterion}` : `unknown: ${leaf.reason}`));
}

/**
 * One participant as their screening against a list of trials is decided (see `decideScreening`), each trial
 * named by its index in that list. A cohort re-screen asks about millions: a caller may re-point one object
 * at each participant in turn instead of making one per participant.
 */
export interface ParticipantUnderScreening {
  readonly profile: Pick<ParticipantProfile, 'participantId' | 'status' | 'consentScopes'>;
  /** The calendar day at their site they are judged on. */
  readonly asOf: CalendarDate;
  /** Their data changed since they were last screened (see `TimeSensitivity.dataChanged`). */
  readonly dataChanged: boolean;
  /** The verdict on them for the trial; null when the trial does not screen them (not at their site). */
  verdict(trialIndex: number): Verdict | null;
  /** Writes what the last screening stored for the trial into `into`; false when nothing is stored. */
  stored(trialIndex: number, into: StoredVerdict): boolean;
  /** The kinds of their open flags for the trial. */
  openFlags(trialIndex: number): readonly FlagKind[];
  /**
   * The worded evaluation for the trial (`decideCriteria`, or the whole `evaluateCriteria`), which must
   * reach the verdict's result: asked only for what is written (a determination, or why a flag closes as
   * "no longer eligible").
   */
  explain(trialIndex: number): DecidedDetermination;
  /** `nextChangeWithTime` of the trial's criteria for them on `asOf`: null when time alone never changes it. */
  changesWithTime(trialIndex: number): CalendarDate | null;
}

/** A trial screened: what the stored determination and a raised flag record of it. */
export interface TrialUnderScreening {
  readonly id: string;
  readonly criteriaVersion: number;
}

/** A determination to store, with its compact explanation; `historyReasons` set when its result changed. */
export interface DeterminationToStore {
  participantId: string;
  trialId: string;
  criteriaVersion: number;
  result: EligibilityResult;
  oneTestAway: string | null;
  asOf: CalendarDate;
  explanation: StoredExplanation;
  /** Null when the result did not change (an explanation or a time-change day added): no history row then. */
  historyReasons: string[] | null;
  /** The first day time alone could change it (`nextChangeWithTime`); null: never. */
  changesWithTimeOn: CalendarDate | null;
  /**
   * A determination was stored for the participant and trial, which this one replaces; false for the first
   * (a trial's first screen writes a million of them, which need no check for a row to replace).
   */
  replacesStored: boolean;
}

/** Open flags of a participant and trial to close, all but one of kind `keep`, for `reason`. */
export interface FlagsToClose {
  participantId: string;
  trialId: string;
  keep: FlagKind | null;
  reason: string;
}

/** A flag to raise (the next episode of its participant, trial and kind). */
export interface FlagToRaise {
  participantId: string;
  trialId: string;
  kind: FlagKind;
  /** The one missing test, for a one-test-away flag. */
  test: string | null;
  criteriaVersion: number;
  /**
   * The calendar day at their site they were judged on: a flag is not raised while a declined referral for
   * the trial holds flags back on that day (`flagSuppressed`, the referral's `flags_suppressed_until`).
   */
  asOf: CalendarDate;
}

/** Everything one participant's screening writes. */
export interface ScreeningWrites {
  determinations: DeterminationToStore[];
  flagsToClose: FlagsToClose[];
  flagsToRaise: FlagToRaise[];
}

// Filled in for each stored determination in turn and read by `decideTrialScreening` at once: no object per
// participant and trial.
const scratchStored: StoredVerdict = {
  criteriaVersion: 0,
  result: '',
  oneTestAway: null,
  explained: true,
  changesWithTimeOn: TIME_CHANGE_NOT_COMPUTED,
};

/** The time of one participant and trial, re-pointed at each in turn like `scratchStored`. */
class TrialTime implements TimeSensitivity {
  participant!: ParticipantUnderScreening;
  index = 0;

  get asOf(): CalendarDate {
    return this.participant.asOf;
  }

  get dataChanged(): boolean {
    return this.participant.dataChanged;
  }

  nextChange(): CalendarDate | null {
    return this.participant.changesWithTime(this.index);
  }
}

const scratchTime = new TrialTime();

/** What the policy decides for the participant and the trial at `index`; null: nothing to write. */
function decideTrial(
  participant: ParticipantUnderScreening,
  approach: Approachability,
  trial: TrialUnderScreening,
  index: number,
  verdict: Verdict,
): TrialScreeningDecision | null {
  scratchTime.participant = participant;
  scratchTime.index = index;
  return decideTrialScreening(
    approach,
    trial.criteriaVersion,
    verdict,
    participant.stored(index, scratchStored) ? scratchStored : undefined,
    participant.openFlags(index),
    scratchTime,
  );
}

/**
 * A participant's screening against the trials, worded: the determinations to store (with their
 * explanations, and the history reasons of a changed result), the flags to close with the reason a
 * coordinator reads, and the flags to raise. Null when nothing is to be written, the usual case of a
 * re-screen. Each trial's verdict is asked once; explanations only for what is written.
 *
 * Given `into` (a batch's writes), the rows are appended there and `into` is returned when any were, so that
 * a batch collects its participants' writes without an object per participant.
 */
export function decideScreening(
  participant: ParticipantUnderScreening,
  trials: readonly TrialUnderScreening[],
  into?: ScreeningWrites,
): ScreeningWrites | null {
  const approach = approachability(participant.profile);
  let writes: ScreeningWrites | null = null;
  for (let index = 0; index < trials.length; index++) {
    const verdict = participant.verdict(index);
    if (verdict === null) continue;
    const trial = trials[index];
    const decision = decideTrial(participant, approach, trial, index, verdict);
    if (decision === null) continue;
    writes ??= into ?? emptyWrites();
    word(writes, participant, approach, trial, index, verdict, decision);
  }
  return writes;
}

/** Writes to collect a batch's into (see `decideScreening`). */
export function emptyWrites(): ScreeningWrites {
  return { determinations: [], flagsToClose: [], flagsToRaise: [] };
}

/**
 * Whether `decideScreening` would write anything, without wording it: a first, unlocked pass over a batch
 * only needs to know who has writes. Each trial's verdict is asked once, as there.
 */
export function hasScreeningWrites(
  participant: ParticipantUnderScreening,
  trials: readonly TrialUnderScreening[],
): boolean {
  const approach = approachability(participant.profile);
  let any = false;
  for (let index = 0; index < trials.length; index++) {
    const verdict = participant.verdict(index);
    if (verdict === null) continue;
    if (decideTrial(participant, approach, trials[index], index, verdict) !== null) any = true;
  }
  return any;
}

/** Adds the rows of one trial's decision to the participant's writes, worded. */
function word(
  writes: ScreeningWrites,
  participant: ParticipantUnderScreening,
  approach: Approachability,
  trial: TrialUnderScreening,
  index: number,
  verdict: Verdict,
  decision: TrialScreeningDecision,
): void {
  const { participantId, status } = participant.profile;
  if (decision.determination) {
    const explained = participant.explain(index);
    // The plan and the evaluator are held equal by their tests; a stored result must never be kept beside an
    // explanation that reaches another.
    if (explained.result !== verdict.result || (explained.oneTestAway?.test ?? null) !== verdict.oneTestAway)
      throw new Error(`screening plan and evaluator disagree for trial ${trial.id}`);
    writes.determinations.push({
      participantId,
      trialId: trial.id,
      criteriaVersion: trial.criteriaVersion,
      result: verdict.result,
      oneTestAway: verdict.oneTestAway,
      asOf: participant.asOf,
      explanation: encodeStoredExplanation(participant.asOf, explained.judgements),
      historyReasons: decision.determination === 'result' ? determinationHistoryReasons(explained) : null,
      changesWithTimeOn: participant.changesWithTime(index),
      replacesStored: participant.stored(index, scratchStored),
    });
  }
  if (decision.closeFlagsBut)
    writes.flagsToClose.push({
      participantId,
      trialId: trial.id,
      keep: decision.closeFlagsBut.keep,
      reason: flagCloseReason(
        approach,
        status,
        verdict,
        () => participant.explain(index),
        participant.openFlags(index).filter((kind) => kind !== decision.closeFlagsBut!.keep),
      ),
    });
  if (decision.raiseFlag)
    writes.flagsToRaise.push({
      participantId,
      trialId: trial.id,
      kind: decision.raiseFlag,
      test: decision.raiseFlag === 'one_test_away' ? verdict.oneTestAway : null,
      criteriaVersion: trial.criteriaVersion,
      asOf: participant.asOf,
    });
}
