/** Calendar dates (YYYY-MM-DD) without a time: visit targets and windows are days at the site. */
export type CalendarDate = string;

const DAY_MS = 86_400_000;

export function addDays(date: CalendarDate, days: number): CalendarDate {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Days from 1970-01-01 to a YYYY-MM-DD date, by arithmetic on its digits (Hinnant's days_from_civil,
 * https://howardhinnant.github.io/date_algorithms.html): screening compares millions of dates, and parsing
 * each into a Date costs more than the rest of the comparison.
 */
function dayNumber(date: CalendarDate): number {
  const digit = (i: number) => date.charCodeAt(i) - 48;
  let year = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
  const month = digit(5) * 10 + digit(6);
  const day = digit(8) * 10 + digit(9);
  if (month <= 2) year -= 1;
  const era = Math.floor(year / 400);
  const yearOfEra = year - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

export function daysBetween(from: CalendarDate, to: CalendarDate): number {
  return dayNumber(to) - dayNumber(from);
}

/** The calendar date at an instant in an IANA time zone (what "today" is at the site). */
export function dateInTimeZone(instant: Date, timeZone: string): CalendarDate {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(instant);
  const part = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}

export function isCalendarDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
}

/** Whole years between a birth date and a date, as a clinician counts age. */
export function ageOn(birthDate: CalendarDate, on: CalendarDate): number {
  // YYYY-MM-DD compares as text: the birthday has come this year when on's MM-DD is not before it.
  const years = Number(on.slice(0, 4)) - Number(birthDate.slice(0, 4));
  return on.slice(5) < birthDate.slice(5) ? years - 1 : years;
}
