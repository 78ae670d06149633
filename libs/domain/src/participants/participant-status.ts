/**
 * Where a participant stands in the registry (shared/domain/facts.md section 1.11, after TRC-PAD and J-TRC):
 * registered, in screening, enrolled and followed; then referred to or in a trial, progressed, or one of the
 * exits. Every change is an explicit, audited transition; anything not listed here is refused.
 */
export enum ParticipantStatus {
  Registered = 'registered',
  Screening = 'screening',
  Enrolled = 'enrolled',
  Referred = 'referred',
  InTrial = 'in_trial',
  Progressed = 'progressed',
  ScreenFailed = 'screen_failed',
  Withdrawn = 'withdrawn',
  LostToFollowUp = 'lost_to_follow_up',
  Deceased = 'deceased',
}

const S = ParticipantStatus;

/** Withdrawal and death can happen at any stage that is not already final. */
const ANY_TIME = [S.Withdrawn, S.Deceased];

export const ALLOWED_TRANSITIONS: Record<ParticipantStatus, ParticipantStatus[]> = {
  [S.Registered]: [S.Screening, S.Enrolled, S.ScreenFailed, S.LostToFollowUp, ...ANY_TIME],
  [S.Screening]: [S.Enrolled, S.ScreenFailed, S.LostToFollowUp, ...ANY_TIME],
  [S.Enrolled]: [S.Referred, S.Progressed, S.LostToFollowUp, ...ANY_TIME],
  // A referral that does not end in randomisation returns the person to follow-up.
  [S.Referred]: [S.InTrial, S.Enrolled, S.Progressed, S.LostToFollowUp, ...ANY_TIME],
  // After a trial ends, a person may come back to registry follow-up.
  [S.InTrial]: [S.Enrolled, S.Progressed, S.LostToFollowUp, ...ANY_TIME],
  [S.Progressed]: [S.LostToFollowUp, ...ANY_TIME],
  // A screen failure (e.g. amyloid-negative) may be screened again later, as LEARN re-used A4 screen fails.
  [S.ScreenFailed]: [S.Screening, S.Enrolled, ...ANY_TIME],
  [S.LostToFollowUp]: [S.Enrolled, S.Withdrawn, S.Deceased],
  [S.Withdrawn]: [],
  [S.Deceased]: [],
};

export function allowedTransitions(from: ParticipantStatus): ParticipantStatus[] {
  return ALLOWED_TRANSITIONS[from];
}

export function canTransition(from: ParticipantStatus, to: ParticipantStatus): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}

/** Statuses in which the person is followed: visits are scheduled and reminders are sent. */
export const FOLLOWED_STATUSES: readonly ParticipantStatus[] = [
  S.Registered,
  S.Screening,
  S.Enrolled,
  S.Referred,
];

/**
 * Why a participant is not screened against trials yet, or null once they are. A person who has only
 * registered has not been taken into the cohort: calling them ineligible for every trial (their status
 * fails the trials' registry-status criterion) would read as a clinical judgement that nobody made.
 */
export function notScreenedReason(status: ParticipantStatus): string | null {
  return status === S.Registered ? 'registered, not yet enrolled' : null;
}
