import { CalendarDate, localDateTimeIn, TimeOfDay } from './calendar';

/** A site and its IANA time zone: the site's calendar decides its participants' ages and recency windows. */
export interface SiteInTimeZone {
  siteId: string;
  timeZone: string;
}

/** One site's daily re-screen: its participants judged on `forDate`, the calendar day at the site. */
export interface DailyRescreenKey {
  siteId: string;
  forDate: CalendarDate;
}

/**
 * Which sites' daily re-screens are due at `now`: a site's re-screen for its current calendar day is due once
 * the site's wall clock has reached `dailyAt`, unless it has been started already (`started`).
 *
 * Birthdays cross age limits and results age past recency windows at the site's midnight, not UTC's; a site
 * is re-screened shortly after its own day begins. Comparing the site's wall-clock time with `dailyAt` (rather
 * than computing the instant of `dailyAt`) keeps daylight saving time simple: on a day whose clock skips
 * `dailyAt` (02:30 on a spring-forward day) the first time after it is due, and on a day that repeats it the
 * second pass finds the day started. A site whose worker was down at `dailyAt` is caught up at the next call
 * on the same day; a day missed entirely is not (the next day's re-screen judges on the next day anyway).
 */
export function dailyRescreensDue(
  sites: readonly SiteInTimeZone[],
  dailyAt: TimeOfDay,
  now: Date,
  started: readonly DailyRescreenKey[],
): DailyRescreenKey[] {
  const startedKeys = new Set(started.map(({ siteId, forDate }) => `${siteId}/${forDate}`));
  const due: DailyRescreenKey[] = [];
  for (const { siteId, timeZone } of sites) {
    const local = localDateTimeIn(now, timeZone);
    if (local.time < dailyAt) continue;
    if (startedKeys.has(`${siteId}/${local.date}`)) continue;
    due.push({ siteId, forDate: local.date });
  }
  return due;
}
