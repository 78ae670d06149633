import { addDays, localDateTimeIn } from '../schedule/calendar';
import { dailyRescreensDue, DailyRescreenKey } from '../schedule/daily-rescreen';
import { defaultProtocolVisits } from '../schedule/default-protocol';
import { planVisits } from '../schedule/visit-schedule';
import { NotificationKind, visitRemindersDue } from './reminder-rules';

const K = NotificationKind;
const HOUR = 3_600_000;

/**
 * A participant's first two years at a site, walked an hour at a time with the clock the worker reads: each
 * hour, the sites whose day has reached 07:00 and whose reminders for the day are not done run them (the
 * same `dailyRescreensDue` the re-screen uses), and each reminder due is stored under its unique key
 * (visit, kind, day), as the database does; a key already stored stores nothing (ON CONFLICT DO NOTHING).
 *
 * Every visit is done on its target day except month 12, which never happens.
 */
function walkTwoYears(timeZone: string, baseline: string) {
  const visits = planVisits(baseline, defaultProtocolVisits()).filter(
    (v) => v.windowStart <= addDays(baseline, 730),
  );
  const stored = new Map<string, { day: string; localTime: string; utcHour: number }>();
  const done: DailyRescreenKey[] = [];
  let attempts = 0;
  // From midnight UTC of the day before the baseline (the baseline day has begun nowhere yet) for two years.
  const start = Date.parse(`${baseline}T00:00:00Z`) - 24 * HOUR;
  for (let t = start; t < start + 731 * 24 * HOUR; t += HOUR) {
    const now = new Date(t);
    for (const { forDate: today } of dailyRescreensDue([{ siteId: 'site', timeZone }], '07:00', now, done)) {
      if (today < baseline) continue;
      done.push({ siteId: 'site', forDate: today });
      for (const visit of visits) {
        const state = {
          windowStart: visit.windowStart,
          windowEnd: visit.windowEnd,
          completed: visit.code !== 'M012' && visit.targetDate < today,
          cancelled: false,
          missed: false,
        };
        for (const due of visitRemindersDue(state, today)) {
          attempts++;
          const key = `${visit.code}/${due.kind}/${due.aboutDay}`;
          if (stored.has(key)) continue;
          const local = localDateTimeIn(now, timeZone);
          stored.set(key, { day: today, localTime: local.time, utcHour: now.getUTCHours() });
          expect(local.date).toBe(today);
        }
      }
    }
  }
  return { visits, stored, attempts, daysRun: done.map((key) => key.forDate) };
}

const walks = new Map<string, ReturnType<typeof walkTwoYears>>();
const walk = (timeZone: string, baseline: string) => {
  let walked = walks.get(timeZone);
  if (!walked) walks.set(timeZone, (walked = walkTwoYears(timeZone, baseline)));
  return walked;
};

describe.each([
  ['Asia/Tokyo', '2026-10-05'],
  // Daylight saving time ends on 1 Nov 2026 and 7 Nov 2027 and starts on 14 Mar 2027 and 12 Mar 2028.
  ['America/Los_Angeles', '2026-10-05'],
])('two years of visit reminders at a site in %s', (timeZone, baseline) => {
  const { visits, stored, attempts, daysRun } = walk(timeZone, baseline);
  const sentOn = (code: string, kind: NotificationKind) =>
    [...stored].filter(([key]) => key.startsWith(`${code}/${kind}/`)).map(([, at]) => at.day);

  it('runs once on every local day, at 07:00 local time whatever the season', () => {
    // Every day from the baseline, each once, none skipped (a 23-hour or 25-hour day included).
    expect(daysRun.length).toBeGreaterThanOrEqual(730);
    daysRun.forEach((day, n) => expect(day).toBe(addDays(baseline, n)));
    for (const at of stored.values()) expect(at.localTime).toBe('07:00');
  });

  it('says "window opens soon" 14 days before each window opens and "window open" on its first day, once each', () => {
    for (const visit of visits.filter((v) => v.code !== 'BL')) {
      expect(sentOn(visit.code, K.VisitWindowOpensSoon)).toEqual([addDays(visit.windowStart, -14)]);
      expect(sentOn(visit.code, K.VisitWindowOpen)).toEqual([visit.windowStart]);
    }
    // Baseline's window opens on the day of enrolment: no "opens soon".
    expect(sentOn('BL', K.VisitWindowOpensSoon)).toEqual([]);
    expect(sentOn('BL', K.VisitWindowOpen)).toEqual([baseline]);
  });

  it('says "closes soon" 7 days before the end of the one window without a visit, then "missed" the day after it, once each', () => {
    const m012 = visits.find((v) => v.code === 'M012')!;
    expect(sentOn('M012', K.VisitWindowClosesSoon)).toEqual([addDays(m012.windowEnd, -7)]);
    expect(sentOn('M012', K.VisitMissed)).toEqual([addDays(m012.windowEnd, 1)]);
    for (const visit of visits.filter((v) => v.code !== 'M012')) {
      expect(sentOn(visit.code, K.VisitWindowClosesSoon)).toEqual([]);
      expect(sentOn(visit.code, K.VisitMissed)).toEqual([]);
    }
  });

  it('finds a reminder due on many days but stores it once', () => {
    // "Opens soon" is due on 14 days and "open" on every day of a window until the visit.
    expect(attempts).toBeGreaterThan(stored.size * 5);
    expect(stored.size).toBe(visits.length * 2 - 1 + 2);
  });
});

it('in Los Angeles, 07:00 local is 14:00 UTC in summer and 15:00 UTC in winter: the reminders follow the local clock', () => {
  const { stored } = walk('America/Los_Angeles', '2026-10-05');
  const hours = new Set([...stored.values()].map((at) => at.utcHour));
  expect(hours).toEqual(new Set([14, 15]));
});
