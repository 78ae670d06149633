import { ConsentScope } from '../consent/consent-scope';
import { ParticipantStatus } from '../participants/participant-status';
import { addDays, CalendarDate } from '../schedule/calendar';

/**
 * One eligible participant a site coordinator contacts for one trial's referral request (the TRC-PAD and
 * Join Dementia Research workflow): to be contacted, then not reached, declined or interested; an interested
 * person is booked for the trial's prescreen, which ends in a screen failure (with its reason) or
 * randomisation. Every change is an explicit, audited transition; anything not listed is refused.
 */
export enum ReferralContactState {
  ToContact = 'to_contact',
  NotReached = 'not_reached',
  Declined = 'declined',
  Interested = 'interested',
  PrescreenBooked = 'prescreen_booked',
  ScreenFailed = 'screen_failed',
  Randomised = 'randomised',
}

export const REFERRAL_CONTACT_STATES = Object.values(ReferralContactState);

const C = ReferralContactState;

export const REFERRAL_CONTACT_TRANSITIONS: Readonly<
  Record<ReferralContactState, readonly ReferralContactState[]>
> = {
  [C.ToContact]: [C.NotReached, C.Declined, C.Interested],
  // Interest is not a commitment: a person may still decline before or after booking.
  [C.Interested]: [C.PrescreenBooked, C.Declined],
  [C.PrescreenBooked]: [C.ScreenFailed, C.Randomised, C.Declined],
  // Final: a person not reached may be contacted again under a new referral.
  [C.NotReached]: [],
  [C.Declined]: [],
  [C.ScreenFailed]: [],
  [C.Randomised]: [],
};

/** The states in which a referral is still under way: the person is held by it. */
export const OPEN_CONTACT_STATES: readonly ReferralContactState[] = [
  C.ToContact,
  C.Interested,
  C.PrescreenBooked,
];

export function isOpenContactState(state: ReferralContactState): boolean {
  return OPEN_CONTACT_STATES.includes(state);
}

export function allowedContactTransitions(from: ReferralContactState): readonly ReferralContactState[] {
  return REFERRAL_CONTACT_TRANSITIONS[from];
}

/**
 * Why a trial's prescreen failed, coded so that a sponsor's funnel can count them without the free text a
 * coordinator may add (which may name the person and never reaches a sponsor).
 */
export const SCREEN_FAIL_REASONS = [
  'amyloid_not_eligible',
  'cognition_not_eligible',
  'mri_exclusion',
  'medical_history',
  'no_study_partner',
  'other',
] as const;
export type ScreenFailReason = (typeof SCREEN_FAIL_REASONS)[number];

/** What a transition is refused for, or null when it may be made. */
export type ContactTransitionProblem =
  | { kind: 'not_allowed'; allowed: readonly ReferralContactState[] }
  | { kind: 'screen_fail_reason_required' }
  | { kind: 'screen_fail_reason_unexpected' };

/**
 * Whether a contact may go from `from` to `to`: only along the listed transitions; a screen failure needs its
 * coded reason and no other state takes one. A note (the optional reason of a decline) is always allowed.
 */
export function contactTransitionProblem(
  from: ReferralContactState,
  to: ReferralContactState,
  screenFailReason: ScreenFailReason | null,
): ContactTransitionProblem | null {
  if (!REFERRAL_CONTACT_TRANSITIONS[from].includes(to))
    return { kind: 'not_allowed', allowed: REFERRAL_CONTACT_TRANSITIONS[from] };
  if (to === C.ScreenFailed && screenFailReason === null) return { kind: 'screen_fail_reason_required' };
  if (to !== C.ScreenFailed && screenFailReason !== null) return { kind: 'screen_fail_reason_unexpected' };
  return null;
}

const S = ParticipantStatus;

/**
 * The registry statuses a participant passes through when their referral reaches `to`, in order (each one
 * audited), given their status now; empty when it does not change. An interested person is referred; one
 * randomised is in the trial; a referral that ends otherwise returns a referred person to follow-up. A
 * status outside the referral path (e.g. progressed meanwhile) is left as it is, except by randomisation.
 */
export function participantStatusesFor(
  to: ReferralContactState,
  current: ParticipantStatus,
): ParticipantStatus[] {
  switch (to) {
    case C.Interested:
    case C.PrescreenBooked:
      return current === S.Enrolled ? [S.Referred] : [];
    case C.Randomised:
      if (current === S.Referred) return [S.InTrial];
      return current === S.Enrolled ? [S.Referred, S.InTrial] : [];
    case C.Declined:
    case C.NotReached:
    case C.ScreenFailed:
      return current === S.Referred ? [S.Enrolled] : [];
    default:
      return [];
  }
}

/**
 * The statuses a participant passes through when their open referral is closed from outside it (the trial
 * closed, the recontact consent withdrawn): as for a referral that ends otherwise, a referred person returns
 * to follow-up.
 */
export function participantStatusesWhenReferralClosed(current: ParticipantStatus): ParticipantStatus[] {
  return participantStatusesFor(C.NotReached, current);
}

/** How long a decline keeps new flags of that trial from being raised for the person, by default (days). */
export const DEFAULT_DECLINE_SUPPRESSION_DAYS = 180;

/**
 * The first calendar day (at the participant's site) on which a flag for the declined trial may be raised
 * again: a person who said no is not approached again for the same trial for `days` days.
 */
export function flagsSuppressedUntil(declinedOn: CalendarDate, days: number): CalendarDate {
  if (!Number.isInteger(days) || days < 0) throw new Error('a suppression period is a whole number of days');
  return addDays(declinedOn, days);
}

/** Whether a flag for the declined trial is held back on `asOf`. */
export function flagSuppressed(suppressedUntil: CalendarDate | null, asOf: CalendarDate): boolean {
  return suppressedUntil !== null && asOf < suppressedUntil;
}

/**
 * Whether two trials exclude each other, so that one person is never in open referrals for both. The
 * registry's trials are prevention trials of investigational treatments, each excluding people in another
 * interventional trial (the `not_in_other_trial` criterion of every template), so any two distinct trials
 * do; the database holds at most one open referral per person (`referral_contact_open_key`) to match.
 */
export function trialsExcludeEachOther(trialA: string, trialB: string): boolean {
  return trialA !== trialB;
}

/** Why a randomised participant's flags close: for the trial they joined, and for every other trial. */
export const RANDOMISED_HERE_REASON = 'randomised into this trial';
export const RANDOMISED_ELSEWHERE_REASON = 'randomised into another trial';
/** Why a declined trial's open flags close. */
export const DECLINED_REASON = 'declined a referral for this trial';

/**
 * Withdrawal takes effect at once for referrals (shared/domain/README.md, "Consent"): a person who leaves the
 * registry (withdraws, or dies) has their open referrals closed, with this reason; null for other statuses.
 */
export function referralsEndWithStatus(status: ParticipantStatus): string | null {
  return status === ParticipantStatus.Withdrawn || status === ParticipantStatus.Deceased
    ? `participant status is ${status}`
    : null;
}

/** Likewise when the consent to be recontacted for trials is no longer held; null while it is. */
export function referralsEndWithConsent(scopesHeld: ReadonlySet<ConsentScope>): string | null {
  return scopesHeld.has(ConsentScope.RecontactForTrials)
    ? null
    : 'consent to be recontacted for trials withdrawn';
}
