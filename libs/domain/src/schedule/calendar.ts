/** Calendar dates (YYYY-MM-DD) without a time: visit targets and windows are days at the site. */
export type CalendarDate = string;

const DAY_MS = 86_400_000;

/**
 * The day `days` after `date` (before it when negative). By arithmetic on day numbers (`dayNumber` and
 * `civilDate`), not through a Date: working out when each of a million determinations changes with time
 * adds days to every result date, and formatting a Date was most of that work. Anything else goes through a
 * Date as before: a day that is not a plain YYYY-MM-DD date (which throws), a fraction of a day, and a
 * result outside the years 0000-9999, which the Date writes as `+010000-...` or `-000001-...` (cut to ten
 * characters), so that it sorts outside the registry's range.
 */
export function addDays(date: CalendarDate, days: number): CalendarDate {
  if (Number.isInteger(days) && isPlainCalendarDay(date)) {
    const day = dayNumber(date) + days;
    if (day >= DAY_NUMBER_OF_0000_01_01 && day <= DAY_NUMBER_OF_9999_12_31) return civilDate(day);
  }
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** YYYY-MM-DD of a day that exists, checked on the characters (no pattern, no Date). */
function isPlainCalendarDay(date: string): boolean {
  if (date.length !== 10 || date.charCodeAt(4) !== 45 || date.charCodeAt(7) !== 45) return false;
  for (const i of DIGIT_POSITIONS) {
    const code = date.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  const month = digitsAt(date, 5, 2);
  const day = digitsAt(date, 8, 2);
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= (month === 2 ? (isLeapYear(digitsAt(date, 0, 4)) ? 29 : 28) : DAYS_IN_MONTH[month - 1]);
}

const DIGIT_POSITIONS = [0, 1, 2, 3, 5, 6, 8, 9];
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The number written by `count` digits of a YYYY-MM-DD date from `start`, read without a substring. */
function digitsAt(date: CalendarDate, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) value = value * 10 + date.charCodeAt(i) - 48;
  return value;
}

/**
 * Days from 1970-01-01 to a YYYY-MM-DD date, by arithmetic on its digits (Hinnant's days_from_civil,
 * https://howardhinnant.github.io/date_algorithms.html): screening compares millions of dates, and parsing
 * each into a Date (or cutting it into substrings) costs more than the rest of the comparison.
 */
function dayNumber(date: CalendarDate): number {
  // The two dates asked last, remembered: recency compares each result with the same day judged on, and
  // working out a day when a result leaves its window asks again for the date it has just read.
  if (date === recentDays.first) return recentDays.firstNumber;
  if (date === recentDays.second) return recentDays.secondNumber;
  const number = dayNumberOfDigits(date);
  recentDays.second = recentDays.first;
  recentDays.secondNumber = recentDays.firstNumber;
  recentDays.first = date;
  recentDays.firstNumber = number;
  return number;
}

const recentDays: { first?: CalendarDate; firstNumber: number; second?: CalendarDate; secondNumber: number } =
  {
    firstNumber: 0,
    secondNumber: 0,
  };

function dayNumberOfDigits(date: CalendarDate): number {
  let year = digitsAt(date, 0, 4);
  const month = digitsAt(date, 5, 2);
  const day = digitsAt(date, 8, 2);
  if (month <= 2) year -= 1;
  const era = Math.floor(year / 400);
  const yearOfEra = year - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/**
 * The YYYY-MM-DD date of a day number (days from 1970-01-01), for years 0000-9999: the inverse of
 * `dayNumber` (Hinnant's civil_from_days, same source).
 */
function civilDate(dayNumberFrom1970: number): CalendarDate {
  const z = dayNumberFrom1970 + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${String(year).padStart(4, '0')}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
}

const DAY_NUMBER_OF_0000_01_01 = dayNumber('0000-01-01');
const DAY_NUMBER_OF_9999_12_31 = dayNumber('9999-12-31');

export function daysBetween(from: CalendarDate, to: CalendarDate): number {
  return dayNumber(to) - dayNumber(from);
}

/** The calendar date at an instant in an IANA time zone (what "today" is at the site). */
export function dateInTimeZone(instant: Date, timeZone: string): CalendarDate {
  const parts = dateFormatIn(timeZone).formatToParts(instant);
  const part = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/**
 * The latest calendar day that has begun in every time zone at `instant`: the day at UTC-12 (`Etc/GMT+12`;
 * the sign of Etc zones is inverted). Synthetic histories end on it, so that no site holds a result dated after
 * its own today (which screening rightly does not count yet).
 */
export function dayBegunEverywhere(instant: Date): CalendarDate {
  return dateInTimeZone(instant, 'Etc/GMT+12');
}

/** The calendar day in a time zone at `now`, worked out once per zone: a batch of participants has few zones. */
export function calendarDaysAt(now: Date): (timeZone: string) => CalendarDate {
  const dayByZone = new Map<string, CalendarDate>();
  return (timeZone) => {
    let day = dayByZone.get(timeZone);
    if (!day) dayByZone.set(timeZone, (day = dateInTimeZone(now, timeZone)));
    return day;
  };
}

/** A wall-clock time of day, HH:MM on the 24-hour clock (e.g. 00:15); zero-padded, so it orders as text. */
export type TimeOfDay = string;

export function isTimeOfDay(value: string): boolean {
  return /^([01]\d|2[0-3]):[0-5]\d$/.test(value);
}

/** The calendar date and the wall-clock time (HH:MM) in an IANA time zone at an instant. */
export function localDateTimeIn(instant: Date, timeZone: string): { date: CalendarDate; time: TimeOfDay } {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    // h23: midnight is 00, never 24.
    hourCycle: 'h23',
  }).formatToParts(instant);
  const part = (type: string) => parts.find((p) => p.type === type)!.value;
  return {
    date: `${part('year')}-${part('month')}-${part('day')}`,
    time: `${part('hour')}:${part('minute')}`,
  };
}

export function isCalendarDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
}

/**
 * The first and last calendar day the registry accepts or computes: from 1900, before the birth of anyone who
 * could be followed, to 2200, beyond any follow-up. A window or a reschedule derived from a date must land
 * inside too; beyond year 9999 (or before year 1) PostgreSQL and the date arithmetic here cannot hold a day.
 */
export const EARLIEST_CALENDAR_DATE: CalendarDate = '1900-01-01';
export const LATEST_CALENDAR_DATE: CalendarDate = '2200-12-31';

/**
 * A YYYY-MM-DD day inside the registry's range. Compares as text: addDays writes years past 9999 as `+010000`
 * and years before 1 with a `-`, both of which sort outside the range.
 */
export function isWithinCalendarRange(date: CalendarDate): boolean {
  return date >= EARLIEST_CALENDAR_DATE && date <= LATEST_CALENDAR_DATE;
}

/** A date of something that has happened (a birth, a visit, an assessment, a status change) is not after today. */
export function hasHappenedBy(date: CalendarDate, today: CalendarDate): boolean {
  return date <= today;
}

/**
 * How many days after its visit's date an assessment recorded with the visit may have been performed: none.
 * A work-up spread over several days (PET, lumbar puncture and cognition on different days of one window) is
 * recorded once all of it is done, with the visit dated on its last day and each assessment on its own earlier
 * day; a result dated after its visit would appear newer than the visit that reported it.
 */
export const PERFORMED_AFTER_VISIT_TOLERANCE_DAYS = 0;

export function isPerformedWithinVisit(performedOn: CalendarDate, visitDate: CalendarDate): boolean {
  return daysBetween(visitDate, performedOn) <= PERFORMED_AFTER_VISIT_TOLERANCE_DAYS;
}

/** MMDD of a YYYY-MM-DD date as a number: orders days within a year. */
function monthAndDay(date: CalendarDate): number {
  return digitsAt(date, 5, 2) * 100 + digitsAt(date, 8, 2);
}

/**
 * The date format of a time zone, made once per zone: making one costs far more than formatting with it, and
 * every batch of a cohort run asks for the day in each of its sites' zones. An unknown zone is refused
 * (RangeError) each time it is asked for, as before, since nothing is kept for it.
 */
function dateFormatIn(timeZone: string): Intl.DateTimeFormat {
  let format = dateFormatByZone.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    dateFormatByZone.set(timeZone, format);
  }
  return format;
}

const dateFormatByZone = new Map<string, Intl.DateTimeFormat>();

/**
 * The first day on which someone born on `birthDate` is `years` old, as `ageOn` counts: their birthday that
 * year, or 1 March for a 29 February birthday in a year without one.
 */
export function dayTurning(birthDate: CalendarDate, years: number): CalendarDate {
  const year = digitsAt(birthDate, 0, 4) + years;
  const yearText = String(year).padStart(4, '0');
  // Only a 29 February birthday can be missing from a year (checked on the digits: this runs for every age
  // band of every determination whose change day is worked out).
  const leapDay = digitsAt(birthDate, 5, 2) === 2 && digitsAt(birthDate, 8, 2) === 29;
  return leapDay && !isLeapYear(year) ? `${yearText}-03-01` : `${yearText}${birthDate.slice(4)}`;
}

/** A Gregorian leap year: divisible by 4, and by 400 when divisible by 100. */
function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** Whole years between a birth date and a date, as a clinician counts age. */
export function ageOn(birthDate: CalendarDate, on: CalendarDate): number {
  // The last answer, remembered: screening asks a participant's age on one day once per age criterion of
  // every trial, ten times or more in a row.
  if (birthDate === lastAge.birthDate && on === lastAge.on) return lastAge.years;
  // The birthday has come this year when on's month and day are not before it (MMDD as a number).
  const years = digitsAt(on, 0, 4) - digitsAt(birthDate, 0, 4);
  lastAge.birthDate = birthDate;
  lastAge.on = on;
  lastAge.years = monthAndDay(on) < monthAndDay(birthDate) ? years - 1 : years;
  return lastAge.years;
}

const lastAge: { birthDate?: CalendarDate; on?: CalendarDate; years: number } = { years: 0 };
