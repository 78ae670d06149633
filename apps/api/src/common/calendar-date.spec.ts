import { IsISO8601, validate } from 'class-validator';
import { IsCalendarDate, IsInstantInRange } from './calendar-date';

class DatedDto {
  @IsCalendarDate()
  birthDate: unknown;
}

class PeriodDto {
  @IsISO8601({ strict: true })
  @IsInstantInRange()
  from: unknown;
}

const constraintsFor = async (birthDate: unknown) => {
  const dto = Object.assign(new DatedDto(), { birthDate });
  return (await validate(dto)).flatMap((error) => Object.keys(error.constraints ?? {}));
};

describe('@IsCalendarDate: the one check of a date in a request', () => {
  it.each(['1900-01-01', '1958-04-01', '2024-02-29', '2200-12-31'])('accepts %s', async (date) => {
    expect(await constraintsFor(date)).toEqual([]);
  });

  it.each([
    ['year 0000', '0000-01-01'],
    ['the day before the range', '1899-12-31'],
    ['the day after the range', '2201-01-01'],
    ['the last day of year 9999', '9999-12-31'],
    ['a day that does not exist', '2026-02-30'],
    ['29 February of a common year', '2025-02-29'],
    ['a date-time', '2026-07-16T00:00:00Z'],
    ['another format', '16/07/2026'],
    ['a number', 20260716],
    ['null', null],
  ])('refuses %s', async (_case, date) => {
    expect(await constraintsFor(date)).toEqual(['isCalendarDate']);
  });

  it('says the format and the range in its message', async () => {
    const [error] = await validate(Object.assign(new DatedDto(), { birthDate: '0000-01-01' }));
    expect(error.constraints?.isCalendarDate).toBe(
      'birthDate must be a calendar day as YYYY-MM-DD from 1900-01-01 to 2200-12-31',
    );
  });
});

describe('@IsInstantInRange', () => {
  const constraints = async (from: unknown) =>
    (await validate(Object.assign(new PeriodDto(), { from }))).flatMap((e) =>
      Object.keys(e.constraints ?? {}),
    );

  it('accepts an instant in the range and refuses one whose UTC day is outside it', async () => {
    expect(await constraints('2026-07-16T09:00:00Z')).toEqual([]);
    expect(await constraints('1000-01-01T00:00:00Z')).toEqual(['instantInRange']);
    // 08:00 on 1 January 2201 in Tokyo is still 31 December 2200 in UTC: in range.
    expect(await constraints('2201-01-01T08:00:00+09:00')).toEqual([]);
    expect(await constraints('2201-01-01T09:00:00Z')).toEqual(['instantInRange']);
  });

  it('leaves a value that is no date-time at all to @IsISO8601', async () => {
    expect(await constraints('yesterday')).toEqual(['isIso8601']);
  });
});
