import {
  addDays,
  ageOn,
  dateInTimeZone,
  dayBegunEverywhere,
  dayTurning,
  daysBetween,
  hasHappenedBy,
  isCalendarDate,
  isPerformedWithinVisit,
  isTimeOfDay,
  isWithinCalendarRange,
  localDateTimeIn,
  PERFORMED_AFTER_VISIT_TOLERANCE_DAYS,
} from './calendar';

describe('calendar arithmetic', () => {
  it('counts days between dates as the UTC calendar does, across leap years and before 1970', () => {
    const starts = ['1900-02-28', '1935-12-31', '1969-12-31', '1970-01-01', '2000-02-28', '2024-02-29'];
    for (const start of starts) {
      for (const offset of [0, 1, 27, 59, 60, 365, 366, 1461, 36524, -1, -60, -366, -40000]) {
        const end = addDays(start, offset);
        const expected = Math.round(
          (Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / 86_400_000,
        );
        expect(daysBetween(start, end)).toBe(expected);
        expect(daysBetween(start, end)).toBe(offset);
      }
    }
  });

  it('adds days as the UTC calendar does, every day from 1899 to 2201 and across the years 0000 and 9999', () => {
    const viaDate = (date: string, days: number) =>
      new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
    for (
      let day = Date.parse('1899-01-01T00:00:00Z');
      day <= Date.parse('2201-12-31T00:00:00Z');
      day += 86_400_000
    ) {
      const date = new Date(day).toISOString().slice(0, 10);
      for (const offset of [0, 1, -1, 29, 365, -366, 1096])
        expect(addDays(date, offset)).toBe(viaDate(date, offset));
    }
    for (const [date, offset] of [
      ['0000-03-01', -1],
      ['0001-01-01', -367],
      ['0001-01-01', -400],
      ['9999-12-31', 0],
      ['9999-12-31', 1],
      ['9999-12-01', 31],
    ] as const)
      expect(addDays(date, offset)).toBe(viaDate(date, offset));
  });

  it('adds days to what is not a plain date, or a fraction of a day, as a Date does: refusing what is no day', () => {
    expect(addDays('2024-01-01', 0.5)).toBe('2024-01-01');
    expect(addDays('2024-01-31', 1.5)).toBe('2024-02-01');
    for (const notADay of ['2024-13-01', '2024-1-01', 'yesterday', ''])
      expect(() => addDays(notADay, 1)).toThrow(RangeError);
    // A day a month does not have is read as the Date reads it, rolled into the next month.
    expect(addDays('2023-02-29', 1)).toBe('2023-03-02');
    expect(addDays('2024-02-29', 365)).toBe('2025-02-28');
  });

  it('turns an age on the birthday, a 29 February birthday on 1 March of a common year', () => {
    const expected = (birth: string, years: number) => {
      const year = String(Number(birth.slice(0, 4)) + years).padStart(4, '0');
      return isCalendarDate(`${year}${birth.slice(4)}`) ? `${year}${birth.slice(4)}` : `${year}-03-01`;
    };
    for (const birth of ['1960-02-29', '1961-02-28', '1964-03-01', '1899-12-31', '1904-02-29', '1900-01-01'])
      for (let years = 0; years <= 150; years++)
        expect(dayTurning(birth, years)).toBe(expected(birth, years));
    expect(dayTurning('1960-02-29', 40)).toBe('2000-02-29');
    expect(dayTurning('1960-02-29', 140)).toBe('2100-03-01');
  });

  it('counts age in whole years, a leap-day birthday coming of age on 1 March in common years', () => {
    expect(ageOn('1960-02-29', '2027-02-28')).toBe(66);
    expect(ageOn('1960-02-29', '2027-03-01')).toBe(67);
    expect(ageOn('1960-02-29', '2028-02-29')).toBe(68);
    expect(ageOn('1960-12-31', '2026-01-01')).toBe(65);
  });

  // ageOn remembers its last answer: the next question, whatever changed in it, is answered afresh.
  it('counts each age afresh when the birth date or the day changes between questions', () => {
    const births = ['1960-02-29', '1960-03-01', '1961-12-31'];
    const days = ['2027-02-28', '2027-03-01', '2028-12-31'];
    const expected = (birth: string, day: string) => {
      const [by, bm, bd] = birth.split('-').map(Number);
      const [y, m, d] = day.split('-').map(Number);
      return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
    };
    for (const birth of births)
      for (const day of days)
        for (const [b, o] of [
          [birth, day],
          [birth, day],
          [births[0], day],
          [birth, days[0]],
        ])
          expect(ageOn(b, o)).toBe(expected(b, o));
  });
});

describe('the day begun everywhere', () => {
  it('is never after today at any site, and is today at UTC-12', () => {
    const instant = new Date('2026-12-02T01:56:00Z'); // 2026-12-01 20:56 in Boston, 10:56 on the 2nd in Tokyo
    expect(dayBegunEverywhere(instant)).toBe('2026-12-01');
    for (const zone of ['America/New_York', 'Pacific/Pago_Pago', 'Asia/Tokyo', 'Pacific/Kiritimati', 'UTC'])
      expect(dayBegunEverywhere(instant) <= dateInTimeZone(instant, zone)).toBe(true);
    expect(dayBegunEverywhere(new Date('2026-12-02T12:00:00Z'))).toBe('2026-12-02');
  });

  // Each zone's date format is made once and kept; an unknown zone is refused every time it is asked for.
  it('gives each zone its own day, asked in turn, and refuses an unknown zone every time', () => {
    const instant = new Date('2026-12-02T01:56:00Z');
    for (let round = 0; round < 2; round++) {
      expect(dateInTimeZone(instant, 'America/New_York')).toBe('2026-12-01');
      expect(dateInTimeZone(instant, 'Asia/Tokyo')).toBe('2026-12-02');
      expect(() => dateInTimeZone(instant, 'Mars/Olympus_Mons')).toThrow(RangeError);
    }
  });
});

describe('days and times at a site', () => {
  it('reads the date and the 24-hour wall-clock time in the site’s zone, midnight as 00', () => {
    expect(localDateTimeIn(new Date('2027-03-13T15:00:00Z'), 'Asia/Tokyo')).toEqual({
      date: '2027-03-14',
      time: '00:00',
    });
    expect(localDateTimeIn(new Date('2027-03-14T07:00:00Z'), 'America/New_York')).toEqual({
      date: '2027-03-14',
      time: '03:00',
    });
  });

  it('accepts HH:MM times of day on the 24-hour clock only', () => {
    expect(['00:00', '00:15', '09:05', '23:59'].filter(isTimeOfDay)).toHaveLength(4);
    expect(['24:00', '7:15', '07:60', '07:15:00', ' 07:15', ''].filter(isTimeOfDay)).toEqual([]);
  });
});

describe('the calendar days the registry holds', () => {
  it('holds 1900-01-01 to 2200-12-31 and nothing outside, including years past 9999 and before 1', () => {
    expect(isWithinCalendarRange('1900-01-01')).toBe(true);
    expect(isWithinCalendarRange('2200-12-31')).toBe(true);
    expect(isWithinCalendarRange('1899-12-31')).toBe(false);
    expect(isWithinCalendarRange('2201-01-01')).toBe(false);
    expect(isWithinCalendarRange('0000-01-01')).toBe(false);
    expect(isWithinCalendarRange(addDays('9999-12-31', 28))).toBe(false);
    expect(isWithinCalendarRange(addDays('0001-01-01', -28))).toBe(false);
  });

  it('takes a date of something that has happened as not after today at the site', () => {
    expect(hasHappenedBy('2026-12-01', '2026-12-01')).toBe(true);
    expect(hasHappenedBy('2026-11-30', '2026-12-01')).toBe(true);
    expect(hasHappenedBy('2026-12-02', '2026-12-01')).toBe(false);
  });

  it('dates an assessment recorded with a visit on or before the visit day, never after it', () => {
    expect(PERFORMED_AFTER_VISIT_TOLERANCE_DAYS).toBe(0);
    expect(isPerformedWithinVisit('2026-07-16', '2026-07-16')).toBe(true);
    expect(isPerformedWithinVisit('2026-06-20', '2026-07-16')).toBe(true);
    expect(isPerformedWithinVisit('2026-07-17', '2026-07-16')).toBe(false);
    expect(isPerformedWithinVisit('2099-07-16', '2026-07-16')).toBe(false);
  });
});
