import { addDays, CalendarDate, localDateTimeIn, TimeOfDay } from '../schedule/calendar';
import { WebhookEventType } from './webhook-events';

/**
 * The webhook events that report a state (a trial's published pool, its referral funnel) rather than a
 * single happening. They are not sent as things happen: each trial's state is compared once a day with what
 * was last reported, and an event goes out only if the published figures differ. An event per change would
 * tell a sponsor the hour a person was judged eligible or booked for prescreening, which neither its pool
 * nor its funnel reveals; once a day, an event says no more than the sponsor could read by asking each day.
 */
export const DAILY_REPORT_EVENT_TYPES: readonly WebhookEventType[] = [
  WebhookEventType.PoolChanged,
  WebhookEventType.ReferralOutcome,
];

/**
 * The report day at `now`: the UTC date once `reportAt` (UTC) has come that day, else the day before. A
 * sponsor's trial spans sites in several time zones, so no site's calendar day is the sponsor's: the day is
 * UTC's, shifted so that one report time is the same instant for every organisation. A trial not yet checked
 * for this day is checked (after downtime, the first check catches up; there is never more than one a day).
 */
export function webhookReportDay(now: Date, reportAt: TimeOfDay): CalendarDate {
  const utc = localDateTimeIn(now, 'UTC');
  return utc.time >= reportAt ? utc.date : addDays(utc.date, -1);
}

/** Whether a trial last checked on `lastChecked` (null: never) is due a check on `reportDay`. */
export function webhookReportDue(lastChecked: CalendarDate | null, reportDay: CalendarDate): boolean {
  return lastChecked === null || lastChecked < reportDay;
}
