import { ageOn, dateInTimeZone } from './calendar';
import { defaultProtocolVisits } from './default-protocol';
import {
  isWithinWindow,
  planVisits,
  ScheduledVisitStatus as S,
  scheduledVisitStatus,
  VisitMode,
} from './visit-schedule';

describe('visit schedules', () => {
  const visits = [
    {
      code: 'M06',
      name: 'Month 6',
      dayOffset: 182,
      windowBeforeDays: 28,
      windowAfterDays: 28,
      mode: VisitMode.Clinic,
      assessments: [],
    },
    {
      code: 'BL',
      name: 'Baseline',
      dayOffset: 0,
      windowBeforeDays: 0,
      windowAfterDays: 30,
      mode: VisitMode.Clinic,
      assessments: [],
    },
  ];

  it('lays visits out from the baseline date, in order, with their windows', () => {
    expect(
      planVisits('2026-01-15', visits).map((v) => [v.code, v.windowStart, v.targetDate, v.windowEnd]),
    ).toEqual([
      ['BL', '2026-01-15', '2026-01-15', '2026-02-14'],
      ['M06', '2026-06-18', '2026-07-16', '2026-08-13'],
    ]);
  });

  it('gives each status on the right day', () => {
    const visit = { windowStart: '2026-06-18', windowEnd: '2026-08-13', completed: false, cancelled: false };
    expect(scheduledVisitStatus(visit, '2026-06-17')).toBe(S.Upcoming);
    expect(scheduledVisitStatus(visit, '2026-06-18')).toBe(S.WindowOpen);
    expect(scheduledVisitStatus(visit, '2026-08-13')).toBe(S.WindowOpen);
    expect(scheduledVisitStatus(visit, '2026-08-14', '2026-12-17')).toBe(S.Overdue);
    expect(scheduledVisitStatus(visit, '2026-12-17', '2026-12-17')).toBe(S.Missed);
    expect(scheduledVisitStatus({ ...visit, completed: true }, '2027-01-01')).toBe(S.Completed);
    expect(scheduledVisitStatus({ ...visit, cancelled: true }, '2026-07-01')).toBe(S.Cancelled);
  });

  it('is missed, not overdue, once the reminder job has marked it; a visit recorded late still completes it', () => {
    const marked = {
      windowStart: '2026-06-18',
      windowEnd: '2026-08-13',
      completed: false,
      cancelled: false,
      markedMissed: true,
    };
    expect(scheduledVisitStatus(marked, '2026-08-14', '2026-12-17')).toBe(S.Missed);
    expect(scheduledVisitStatus({ ...marked, completed: true }, '2026-08-20')).toBe(S.Completed);
  });

  it('knows a deviation when it sees one', () => {
    expect(isWithinWindow('2026-06-18', { windowStart: '2026-06-18', windowEnd: '2026-08-13' })).toBe(true);
    expect(isWithinWindow('2026-08-14', { windowStart: '2026-06-18', windowEnd: '2026-08-13' })).toBe(false);
  });

  it('reads "today" in the site’s time zone', () => {
    const instant = new Date('2026-03-01T20:00:00Z');
    expect(dateInTimeZone(instant, 'Asia/Tokyo')).toBe('2026-03-02');
    expect(dateInTimeZone(instant, 'America/New_York')).toBe('2026-03-01');
  });

  it('counts age in whole years', () => {
    expect(ageOn('1960-05-20', '2026-05-19')).toBe(65);
    expect(ageOn('1960-05-20', '2026-05-20')).toBe(66);
  });

  it('ships a ten-year default protocol: cognition every 6 months, PET and CSF every 24', () => {
    const protocol = defaultProtocolVisits();
    expect(protocol).toHaveLength(21);
    expect(protocol.filter((v) => v.assessments.includes('amyloid_pet' as never)).map((v) => v.code)).toEqual(
      ['BL', 'M024', 'M048', 'M072', 'M096', 'M120'],
    );
    expect(protocol.every((v) => v.assessments.includes('mmse' as never))).toBe(true);
  });
});
