import type { CountTable } from '../disclosure/disclosure-control';
import { addDays, CalendarDate } from '../schedule/calendar';

/** How far back a pool's trend looks, and how far ahead its projection: months, the current one included. */
export const TREND_MONTHS = 24;
export const PROJECTION_MONTHS = 6;

/** A calendar month, "YYYY-MM". */
export type CalendarMonth = string;

export const monthOf = (day: CalendarDate): CalendarMonth => day.slice(0, 7);

function shiftMonth(month: CalendarMonth, by: number): CalendarMonth {
  const index = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 + by;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** `count` months ending with the month of `day`, oldest first. */
export function monthsEndingWith(day: CalendarDate, count: number): CalendarMonth[] {
  return Array.from({ length: count }, (_, i) => shiftMonth(monthOf(day), i - count + 1));
}

/** `count` months starting with the month of `day`. */
export function monthsStartingWith(day: CalendarDate, count: number): CalendarMonth[] {
  return Array.from({ length: count }, (_, i) => shiftMonth(monthOf(day), i));
}

/** The first day of the trend window and the last day of the projection window around `today`. */
export function trendStart(today: CalendarDate): CalendarDate {
  return `${monthsEndingWith(today, TREND_MONTHS)[0]}-01`;
}
export function projectionEnd(today: CalendarDate): CalendarDate {
  return addDays(`${shiftMonth(monthOf(today), PROJECTION_MONTHS)}-01`, -1);
}

/** A visit on the calendar: the day it is planned for and the assessments it is planned to include. */
export interface VisitOnCalendar {
  targetDate: CalendarDate;
  assessments: readonly string[];
}

/**
 * The month in which a participant one test away is planned to have that test: the first visit from
 * `today` to the end of the projection window whose planned assessments include it; null when none does
 * (a test no visit plans, such as APOE genotyping, is never projected).
 */
export function plannedTestMonth(
  test: string,
  visits: readonly VisitOnCalendar[],
  today: CalendarDate,
): CalendarMonth | null {
  const end = projectionEnd(today);
  let first: CalendarDate | null = null;
  for (const visit of visits) {
    if (visit.targetDate < today || visit.targetDate > end || !visit.assessments.includes(test)) continue;
    if (first === null || visit.targetDate < first) first = visit.targetDate;
  }
  return first === null ? null : monthOf(first);
}

/**
 * Counts per month over fixed months (every month present, 0 where nothing happened), under
 * `${prefix}.${month}`. The months are not published with a total, so no relation binds them.
 */
export class MonthlyTally {
  private readonly counts = new Map<CalendarMonth, number>();

  constructor(
    readonly months: readonly CalendarMonth[],
    private readonly prefix: string,
  ) {
    for (const month of months) this.counts.set(month, 0);
  }

  /** Counts one event on `day`; a day outside the months is ignored. */
  add(day: CalendarDate): void {
    this.addToMonth(monthOf(day));
  }

  addToMonth(month: CalendarMonth): void {
    const count = this.counts.get(month);
    if (count !== undefined) this.counts.set(month, count + 1);
  }

  key(month: CalendarMonth): string {
    return `${this.prefix}.${month}`;
  }

  table(): CountTable {
    return {
      counts: Object.fromEntries([...this.counts].map(([month, n]) => [this.key(month), n])),
      relations: [],
    };
  }
}
