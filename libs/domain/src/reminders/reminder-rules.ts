import { ConsentScope } from '../consent/consent-scope';
import type { Criterion } from '../eligibility/criteria';
import { Determination, evaluateCriteria, ParticipantProfile } from '../eligibility/evaluate';
import { countingResults } from '../eligibility/time-sensitivity';
import { AssessmentType } from '../instruments/assessments';
import { FOLLOWED_STATUSES, ParticipantStatus } from '../participants/participant-status';
import { flagSuppressed } from '../referrals/referral-contact';
import { addDays, CalendarDate, daysBetween } from '../schedule/calendar';

/**
 * Reminder timing: which reminders are due on a day at the site, and who gets none. The daily reminder job
 * and its SQL call these; "exactly once" is the database's part (a unique key per subject, kind and day).
 */

/** Every kind of notification a user receives. */
export enum NotificationKind {
  /** A visit's window opens within `opensWithinDays`. */
  VisitWindowOpensSoon = 'visit_window_opens_soon',
  /** A visit's window is open (sent on its first day). */
  VisitWindowOpen = 'visit_window_open',
  /** A visit's window closes within `closesWithinDays` and no visit is recorded. */
  VisitWindowClosesSoon = 'visit_window_closes_soon',
  /** A visit's window closed without a visit: the visit is marked missed. */
  VisitMissed = 'visit_missed',
  /** The result that makes a participant trial-ready leaves the trial's recency window soon: re-test. */
  ResultExpiring = 'result_expiring',
  /** A participant became eligible for a recruiting trial. */
  EligibleFlag = 'eligible_flag',
  /** A participant is one test away from a recruiting trial. */
  OneTestAwayFlag = 'one_test_away_flag',
  /** For admins: an e-mail address that keeps refusing mail. */
  EmailBouncing = 'email_bouncing',
}

export const NOTIFICATION_KINDS = Object.values(NotificationKind);

/** The lead times, configurable per deployment (REMINDER_* settings). */
export interface ReminderSettings {
  /** "Window opens soon" is sent this many days (or fewer) before a visit's window opens. Default 14. */
  opensWithinDays: number;
  /** "Window closes soon" is sent this many days (or fewer) before an open window closes. Default 7. */
  closesWithinDays: number;
  /** "Re-test" is sent when the deciding result stops counting within this many days. Default 30. */
  freshnessWithinDays: number;
}

export const DEFAULT_REMINDER_SETTINGS: Readonly<ReminderSettings> = Object.freeze({
  opensWithinDays: 14,
  closesWithinDays: 7,
  freshnessWithinDays: 30,
});

/** A scheduled visit as reminders see it: its window (days at the site) and what has become of it. */
export interface VisitForReminders {
  windowStart: CalendarDate;
  windowEnd: CalendarDate;
  /** A visit has been recorded for it. */
  completed: boolean;
  cancelled: boolean;
  /** Already marked missed. */
  missed: boolean;
}

/**
 * A reminder due: its kind and the day it is about (the window's first or last day). The day is part of the
 * reminder's unique key, so a visit moved to another window is reminded of again, and a reminder due over
 * several days (the job did not run on the first) is still sent once.
 */
export interface VisitReminderDue {
  kind: NotificationKind;
  aboutDay: CalendarDate;
}

/**
 * The reminders due on `today` (the site's calendar day) for one scheduled visit. Each kind is due on every
 * day of a span and sent on the first of them the job runs, once:
 * - window opens soon: from `opensWithinDays` before the window opens to the day before it opens;
 * - window open: from the day it opens to the day it closes;
 * - window closes soon: from `closesWithinDays` before it closes to the day it closes, but not on the day it
 *   opens (the "window open" reminder of that day already names the last day);
 * - missed: from the day after the window closed, for a visit never recorded (see `isMissedOn`), for
 *   `closesWithinDays` days: a visit found missed long after (the job's first run at a site with years of
 *   history, or after a long outage) is marked and counted, but not announced one by one.
 * A completed or cancelled visit is reminded of no more.
 */
export function visitRemindersDue(
  visit: VisitForReminders,
  today: CalendarDate,
  settings: ReminderSettings = DEFAULT_REMINDER_SETTINGS,
): VisitReminderDue[] {
  if (visit.completed || visit.cancelled) return [];
  const due: VisitReminderDue[] = [];
  const { windowStart, windowEnd } = visit;
  if (today < windowStart) {
    if (daysBetween(today, windowStart) <= settings.opensWithinDays)
      due.push({ kind: NotificationKind.VisitWindowOpensSoon, aboutDay: windowStart });
  } else if (today <= windowEnd) {
    due.push({ kind: NotificationKind.VisitWindowOpen, aboutDay: windowStart });
    if (today > windowStart && daysBetween(today, windowEnd) <= settings.closesWithinDays)
      due.push({ kind: NotificationKind.VisitWindowClosesSoon, aboutDay: windowEnd });
  } else if (isMissedOn(visit, today) && daysBetween(windowEnd, today) <= settings.closesWithinDays) {
    due.push({ kind: NotificationKind.VisitMissed, aboutDay: windowEnd });
  }
  return due;
}

/**
 * Whether a "re-test to stay trial-ready" reminder for a trial is held back on `today` because the participant
 * declined a referral to that trial: it would be a nudge to approach them for it again, so it waits as the
 * trial's flags wait (`flagSuppressed`, until the decline's hold ends). `declineHeldUntil` is the latest hold
 * of their declined referrals to the trial, or null.
 */
export function retestHeldBackByDecline(declineHeldUntil: CalendarDate | null, today: CalendarDate): boolean {
  return flagSuppressed(declineHeldUntil, today);
}

/**
 * Whether a flag raised on `raisedOn` is still news to announce on `today` (the site's day): for as many days
 * as a missed visit is (`closesWithinDays`). A flag found older (the job's first run over a registry with
 * open flags, or after a long outage) is recorded as seen and announced to no one: coordinators find it in
 * their flag list, and their inbox is not flooded with the backlog.
 */
export function flagIsNews(
  raisedOn: CalendarDate,
  today: CalendarDate,
  settings: ReminderSettings = DEFAULT_REMINDER_SETTINGS,
): boolean {
  return daysBetween(raisedOn, today) <= settings.closesWithinDays;
}

/**
 * Whether a visit is missed on `today`: its window has closed (today is after its last day) with no visit
 * recorded and the visit not cancelled. Once marked, it stays missed; a late visit can still be recorded
 * (as a protocol deviation) and then counts as done.
 */
export function isMissedOn(visit: VisitForReminders, today: CalendarDate): boolean {
  return !visit.completed && !visit.cancelled && today > visit.windowEnd;
}

/** What a reminder asks of the site, which decides the consent scope it needs. */
export type ReminderPurpose = 'follow_up_visit' | 'retest_for_trial' | 'trial_flag';

/** Assessments that take a sample or a scan for a biomarker: a re-test needs biomarker-sampling consent. */
const BIOMARKER_TESTS: readonly string[] = [
  AssessmentType.AmyloidPet,
  AssessmentType.TauPet,
  AssessmentType.Csf,
  AssessmentType.Plasma,
];

/** The consent scopes a reminder needs the participant to hold (an e-mail or call about it is a contact). */
export function scopesNeededFor(purpose: ReminderPurpose, test?: string): ConsentScope[] {
  switch (purpose) {
    case 'follow_up_visit':
      return [ConsentScope.RegistryFollowUp];
    case 'trial_flag':
      return [ConsentScope.RecontactForTrials];
    case 'retest_for_trial':
      return test !== undefined && BIOMARKER_TESTS.includes(test)
        ? [ConsentScope.RecontactForTrials, ConsentScope.BiomarkerSampling]
        : [ConsentScope.RecontactForTrials];
  }
}

/**
 * Why a participant gets no reminder of this purpose, or null when they may get one: only people followed by
 * the registry (registered, in screening, enrolled, referred: not withdrawn, deceased, in a trial, progressed
 * or lost to follow-up), and only while they hold the consent scopes the contact needs.
 */
export function noReminderReason(
  participant: { status: ParticipantStatus; consentScopes: readonly string[] },
  purpose: ReminderPurpose,
  test?: string,
): string | null {
  if (!FOLLOWED_STATUSES.includes(participant.status)) return `status ${participant.status}`;
  const missing = scopesNeededFor(purpose, test).filter(
    (scope) => !participant.consentScopes.includes(scope),
  );
  return missing.length > 0 ? `consent scope ${missing.join(', ')} not held` : null;
}

/** How ready for a trial a determination says a participant is: eligible, one test away, or neither. */
export type TrialReadiness = 'eligible' | 'one_test_away' | null;

export function trialReadiness(determination: Pick<Determination, 'result' | 'oneTestAway'>): TrialReadiness {
  if (determination.result === 'eligible') return 'eligible';
  return determination.oneTestAway ? 'one_test_away' : null;
}

const READINESS_RANK = { eligible: 2, one_test_away: 1 } as const;
const rank = (readiness: TrialReadiness) => (readiness ? READINESS_RANK[readiness] : 0);

/** A result that keeps a participant trial-ready and stops counting soon. */
export interface ExpiringResult {
  /** The assessment to repeat (e.g. `amyloid_pet`). */
  test: string;
  resultDate: CalendarDate;
  /** The last day the result counts for the trial. */
  expiresOn: CalendarDate;
  /** What the participant is today, and would no longer be once it expires. */
  readiness: Exclude<TrialReadiness, null>;
}

/**
 * The results that keep a participant eligible (or one test away) for a trial and leave the trial's recency
 * window within `withinDays` of `asOf`: the participant judged by the engine on the day after the result's
 * last day, their data held as they are, would be less ready than today. The windows and the judgement are
 * the engine's own (`countingResults`, `evaluateCriteria`); nothing here restates a criterion.
 *
 * A result whose expiry changes nothing (an `any` another result still passes, a later result of the same
 * test) is not named. One result read by several leaves (an amyloid status and a Centiloid from one PET) is
 * named once, at its earliest expiry.
 */
export function expiringResults(
  criteria: Criterion,
  profile: ParticipantProfile,
  asOf: CalendarDate,
  withinDays: number = DEFAULT_REMINDER_SETTINGS.freshnessWithinDays,
): ExpiringResult[] {
  const today = trialReadiness(evaluateCriteria(criteria, profile, { asOf }));
  if (today === null) return [];
  const byResult = new Map<string, ExpiringResult>();
  const candidates = countingResults(criteria, profile, asOf)
    .filter((result) => daysBetween(asOf, result.changeDay) <= withinDays)
    .sort((a, b) => (a.changeDay < b.changeDay ? -1 : a.changeDay > b.changeDay ? 1 : 0));
  for (const result of candidates) {
    const key = `${result.test}/${result.resultDate}`;
    if (byResult.has(key)) continue;
    const then = trialReadiness(evaluateCriteria(criteria, profile, { asOf: result.changeDay }));
    if (rank(then) >= rank(today)) continue;
    byResult.set(key, {
      test: result.test,
      resultDate: result.resultDate,
      expiresOn: addDays(result.changeDay, -1),
      readiness: today,
    });
  }
  return [...byResult.values()];
}
