import {
  monthsEndingWith,
  monthsStartingWith,
  MonthlyTally,
  plannedTestMonth,
  projectionEnd,
  trendStart,
} from './pool-trend';

describe("a pool's trend and projection", () => {
  it('looks back over 24 months ending with the current one, and ahead over 6 starting with it', () => {
    const back = monthsEndingWith('2026-12-02', 24);
    expect([back[0], back[23], back.length]).toEqual(['2025-01', '2026-12', 24]);
    expect(monthsStartingWith('2026-12-02', 6)).toEqual([
      '2026-12',
      '2027-01',
      '2027-02',
      '2027-03',
      '2027-04',
      '2027-05',
    ]);
    expect(trendStart('2026-12-02')).toBe('2025-01-01');
    expect(projectionEnd('2026-12-02')).toBe('2027-05-31');
  });

  it('projects a participant one amyloid PET away into the month of their first planned visit that includes a PET', () => {
    const visits = [
      { targetDate: '2027-01-15', assessments: ['mmse', 'cdr'] },
      { targetDate: '2027-04-20', assessments: ['mmse', 'amyloid_pet'] },
      { targetDate: '2027-03-01', assessments: ['amyloid_pet'] },
    ];
    expect(plannedTestMonth('amyloid_pet', visits, '2026-12-02')).toBe('2027-03');
  });

  it('does not project a test planned only before today or after the sixth month, nor one no visit plans', () => {
    const visits = [
      { targetDate: '2026-12-01', assessments: ['amyloid_pet'] },
      { targetDate: '2027-06-01', assessments: ['amyloid_pet'] },
    ];
    expect(plannedTestMonth('amyloid_pet', visits, '2026-12-02')).toBeNull();
    expect(
      plannedTestMonth('apoe_genotype', [{ targetDate: '2027-01-01', assessments: ['mmse'] }], '2026-12-02'),
    ).toBeNull();
  });

  it('counts events per month with every month present and days outside the months ignored', () => {
    const tally = new MonthlyTally(['2026-11', '2026-12'], 'trend');
    ['2026-11-03', '2026-11-30', '2026-10-31', '2027-01-01'].forEach((day) => tally.add(day));
    expect(tally.table().counts).toEqual({ 'trend.2026-11': 2, 'trend.2026-12': 0 });
  });
});
