import type { AssessmentType } from '../instruments/assessments';
import { addDays, CalendarDate } from './calendar';

export enum VisitMode {
  Clinic = 'clinic',
  Remote = 'remote',
}

/** One visit of a protocol: when (days from baseline), how much leeway, where, and what must be done. */
export interface ProtocolVisitDefinition {
  code: string;
  name: string;
  dayOffset: number;
  windowBeforeDays: number;
  windowAfterDays: number;
  mode: VisitMode;
  assessments: AssessmentType[];
}

export interface PlannedVisit {
  code: string;
  name: string;
  mode: VisitMode;
  assessments: AssessmentType[];
  targetDate: CalendarDate;
  windowStart: CalendarDate;
  windowEnd: CalendarDate;
}

/** The visits of a protocol laid out from a participant's baseline date (a calendar day at their site). */
export function planVisits(baseline: CalendarDate, visits: ProtocolVisitDefinition[]): PlannedVisit[] {
  return [...visits]
    .sort((a, b) => a.dayOffset - b.dayOffset)
    .map((visit) => {
      const targetDate = addDays(baseline, visit.dayOffset);
      return {
        code: visit.code,
        name: visit.name,
        mode: visit.mode,
        assessments: visit.assessments,
        targetDate,
        windowStart: addDays(targetDate, -visit.windowBeforeDays),
        windowEnd: addDays(targetDate, visit.windowAfterDays),
      };
    });
}

export enum ScheduledVisitStatus {
  Upcoming = 'upcoming',
  WindowOpen = 'window_open',
  Overdue = 'overdue',
  Completed = 'completed',
  Missed = 'missed',
  Cancelled = 'cancelled',
}

export interface ScheduledVisitState {
  windowStart: CalendarDate;
  windowEnd: CalendarDate;
  completed: boolean;
  cancelled: boolean;
  /** Marked missed by the daily reminder job once its window closed without a visit (see `isMissedOn`). */
  markedMissed?: boolean;
}

/**
 * A scheduled visit's status on a day at the site. Past its window it is overdue while it can still be
 * caught up, and missed once the next visit's window has opened (the next visit then takes its place) or
 * once the daily reminder job has marked it missed. A visit recorded late still counts as completed.
 */
export function scheduledVisitStatus(
  visit: ScheduledVisitState,
  today: CalendarDate,
  nextWindowStart?: CalendarDate,
): ScheduledVisitStatus {
  if (visit.cancelled) return ScheduledVisitStatus.Cancelled;
  if (visit.completed) return ScheduledVisitStatus.Completed;
  if (visit.markedMissed) return ScheduledVisitStatus.Missed;
  if (today < visit.windowStart) return ScheduledVisitStatus.Upcoming;
  if (today <= visit.windowEnd) return ScheduledVisitStatus.WindowOpen;
  if (nextWindowStart && today >= nextWindowStart) return ScheduledVisitStatus.Missed;
  return ScheduledVisitStatus.Overdue;
}

/** Whether a visit on `date` is inside the scheduled visit's window; outside it is a protocol deviation. */
export function isWithinWindow(
  date: CalendarDate,
  visit: { windowStart: CalendarDate; windowEnd: CalendarDate },
): boolean {
  return date >= visit.windowStart && date <= visit.windowEnd;
}
