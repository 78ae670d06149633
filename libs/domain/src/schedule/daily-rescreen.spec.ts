import { dailyRescreensDue, SiteInTimeZone } from './daily-rescreen';

const TOKYO: SiteInTimeZone = { siteId: 'tokyo', timeZone: 'Asia/Tokyo' };
const BOSTON: SiteInTimeZone = { siteId: 'boston', timeZone: 'America/New_York' };
const LONDON: SiteInTimeZone = { siteId: 'london', timeZone: 'Europe/London' };

const at = (iso: string) => new Date(iso);

describe('daily re-screen: each site on its own day', () => {
  it('is due at each site once its own clock reaches the daily time, for the day at that site', () => {
    // 15:20 UTC on 13 March is 00:20 on the 14th in Tokyo, 11:20 on the 13th in Boston.
    expect(dailyRescreensDue([TOKYO, BOSTON], '00:15', at('2027-03-13T15:20:00Z'), [])).toEqual([
      { siteId: 'tokyo', forDate: '2027-03-14' },
      { siteId: 'boston', forDate: '2027-03-13' },
    ]);
  });

  it('is not due after midnight at the site but before the daily time', () => {
    // 00:10 in Tokyo on the 14th: its day has begun, the daily time has not come.
    const tokyoStarted = [{ siteId: 'tokyo', forDate: '2027-03-13' }];
    expect(dailyRescreensDue([TOKYO], '00:15', at('2027-03-13T15:10:00Z'), tokyoStarted)).toEqual([]);
    expect(dailyRescreensDue([TOKYO], '00:15', at('2027-03-13T15:15:00Z'), tokyoStarted)).toEqual([
      { siteId: 'tokyo', forDate: '2027-03-14' },
    ]);
  });

  it('is due once a day: a day already started is not started again', () => {
    const started = [
      { siteId: 'tokyo', forDate: '2027-03-14' },
      { siteId: 'boston', forDate: '2027-03-13' },
    ];
    expect(dailyRescreensDue([TOKYO, BOSTON], '00:15', at('2027-03-13T23:00:00Z'), started)).toEqual([]);
    // Yesterday's run does not stand for today's.
    expect(
      dailyRescreensDue([BOSTON], '00:15', at('2027-03-14T05:20:00Z'), [
        { siteId: 'boston', forDate: '2027-03-13' },
      ]),
    ).toEqual([{ siteId: 'boston', forDate: '2027-03-14' }]);
  });

  it('catches up later the same day when the daily time was missed (a worker down at midnight)', () => {
    expect(dailyRescreensDue([LONDON], '00:15', at('2027-06-01T17:45:00Z'), [])).toEqual([
      { siteId: 'london', forDate: '2027-06-01' },
    ]);
  });

  describe('on the days daylight saving time changes in America/New_York', () => {
    it('runs at the default time on the spring-forward day (14 March 2027), in EST', () => {
      // 05:14 UTC is 00:14 EST on the 14th: the day has begun, its re-screen is not due yet.
      expect(dailyRescreensDue([BOSTON], '00:15', at('2027-03-14T05:14:00Z'), [])).toEqual([]);
      expect(dailyRescreensDue([BOSTON], '00:15', at('2027-03-14T05:15:00Z'), [])).toEqual([
        { siteId: 'boston', forDate: '2027-03-14' },
      ]);
    });

    it('still runs that day when the configured time falls in the skipped hour (02:30 on 14 March)', () => {
      const yesterday = [{ siteId: 'boston', forDate: '2027-03-13' }];
      // 06:59 UTC is 01:59 EST; one minute later the clock reads 03:00 EDT, past 02:30.
      expect(dailyRescreensDue([BOSTON], '02:30', at('2027-03-14T06:59:00Z'), yesterday)).toEqual([]);
      expect(dailyRescreensDue([BOSTON], '02:30', at('2027-03-14T07:00:00Z'), yesterday)).toEqual([
        { siteId: 'boston', forDate: '2027-03-14' },
      ]);
    });

    it('runs once on the fall-back day (7 November 2027) when the configured time occurs twice (01:30)', () => {
      const yesterday = [{ siteId: 'boston', forDate: '2027-11-06' }];
      // 05:30 UTC is 01:30 EDT, the first time the clock shows 01:30 that day.
      expect(dailyRescreensDue([BOSTON], '01:30', at('2027-11-07T05:29:00Z'), yesterday)).toEqual([]);
      const first = dailyRescreensDue([BOSTON], '01:30', at('2027-11-07T05:30:00Z'), yesterday);
      expect(first).toEqual([{ siteId: 'boston', forDate: '2027-11-07' }]);
      // 06:30 UTC is 01:30 EST, the second time: the day has been started.
      expect(
        dailyRescreensDue([BOSTON], '01:30', at('2027-11-07T06:30:00Z'), [...yesterday, ...first]),
      ).toEqual([]);
    });

    it('runs at the default time on the fall-back day, in EDT', () => {
      // 04:14 UTC is 00:14 EDT on the 7th.
      expect(dailyRescreensDue([BOSTON], '00:15', at('2027-11-07T04:14:00Z'), [])).toEqual([]);
      expect(dailyRescreensDue([BOSTON], '00:15', at('2027-11-07T04:15:00Z'), [])).toEqual([
        { siteId: 'boston', forDate: '2027-11-07' },
      ]);
    });
  });

  it('runs a site whose clock has reached the daily time while another site has not', () => {
    // 05:00 UTC on 14 March: 14:00 in Tokyo, 00:00 EST in Boston (its 14th has begun, 00:15 has not come).
    const started = [
      { siteId: 'tokyo', forDate: '2027-03-13' },
      { siteId: 'boston', forDate: '2027-03-13' },
    ];
    expect(dailyRescreensDue([TOKYO, BOSTON], '00:15', at('2027-03-14T05:00:00Z'), started)).toEqual([
      { siteId: 'tokyo', forDate: '2027-03-14' },
    ]);
  });
});
