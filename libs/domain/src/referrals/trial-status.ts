/**
 * Where a sponsor's trial stands: drafted (its criteria and sites being settled, nobody screened), recruiting
 * (screened, flagged, referred to), paused (recruitment held: nobody new is screened or referred), closed
 * (final: its open referrals and flags close with that reason). Every change is audited; anything not
 * listed is refused.
 */
// A const object rather than an enum, so that a status read from a row or a request body ('draft') is one.
export const TrialStatus = {
  Draft: 'draft',
  Recruiting: 'recruiting',
  Paused: 'paused',
  Closed: 'closed',
} as const;
export type TrialStatus = (typeof TrialStatus)[keyof typeof TrialStatus];

export const TRIAL_STATUSES: readonly TrialStatus[] = Object.values(TrialStatus);

const T = TrialStatus;

export const TRIAL_TRANSITIONS: Readonly<Record<TrialStatus, readonly TrialStatus[]>> = {
  [T.Draft]: [T.Recruiting, T.Closed],
  [T.Recruiting]: [T.Paused, T.Closed],
  [T.Paused]: [T.Recruiting, T.Closed],
  [T.Closed]: [],
};

/** The statuses a trial may move to from `from` (none from closed). */
export function allowedTrialTransitions(from: TrialStatus): readonly TrialStatus[] {
  return TRIAL_TRANSITIONS[from];
}

export function canTransitionTrial(from: TrialStatus, to: TrialStatus): boolean {
  return TRIAL_TRANSITIONS[from].includes(to);
}

/** The statuses a trial may be created in: a closed trial is never created. */
export const INITIAL_TRIAL_STATUSES: readonly TrialStatus[] = [T.Draft, T.Recruiting];

/** Only a recruiting trial may be asked for referrals, and only its open referrals may move on. */
export function acceptsReferrals(status: TrialStatus): boolean {
  return status === T.Recruiting;
}
