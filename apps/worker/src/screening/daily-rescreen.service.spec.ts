import type { Tx } from '@registry/persistence';
import { Environment } from '@registry/config';
import { FixedClock, SiteCalendar } from '@registry/platform';
import {
  isTransaction,
  FakeDailyRescreenRepository,
  FakeScreeningRunRepository,
  FakeTransactions,
} from '../../../../test/fakes';
import { DailyRescreenService, RecruitingTrials } from './daily-rescreen.service';
import type { ScreenableTrial } from './screening.service';

const TOKYO = 'site-tokyo';
const BOSTON = 'site-boston';
const DAILY_AT = '02:30';

/** The trials recruiting now, as the screening service reads them, and the transactions it was asked in. */
class FakeRecruitingTrials implements RecruitingTrials {
  readonly trials: ScreenableTrial[] = [];
  readonly askedIn: Tx[] = [];

  add(id: string, siteIds: string[], criteriaVersion = 1): void {
    this.trials.push({
      id,
      criteriaVersion,
      criteria: { language: 1, criteria: { type: 'all', of: [] } } as unknown as ScreenableTrial['criteria'],
      siteIds: new Set(siteIds),
    });
  }

  recruitingTrials(tx?: Tx): Promise<ScreenableTrial[]> {
    if (!tx) throw new Error('recruiting trials must be read on the connection of the daily re-screen');
    this.askedIn.push(tx);
    return Promise.resolve(this.trials);
  }
}

/** Boston's 13 March re-screen ran long before the instants these tests look at. */
function setUp(now: string) {
  const clock = new FixedClock(now);
  const dailyRescreens = new FakeDailyRescreenRepository();
  dailyRescreens.addSite(TOKYO, 'Asia/Tokyo');
  dailyRescreens.addSite(BOSTON, 'America/New_York');
  dailyRescreens.started.push({ id: 'boston-13', siteId: BOSTON, forDate: '2027-03-13' });
  const screeningRuns = new FakeScreeningRunRepository();
  const trials = new FakeRecruitingTrials();
  trials.add('trial-both', [TOKYO, BOSTON], 3);
  trials.add('trial-tokyo', [TOKYO]);
  const transactions = new FakeTransactions();
  const config = Object.assign(new Environment(), { DAILY_RESCREEN_LOCAL_TIME: DAILY_AT });
  const service = new DailyRescreenService(
    transactions,
    dailyRescreens,
    screeningRuns,
    config,
    clock,
    new SiteCalendar(clock),
    trials,
  );
  return { service, clock, dailyRescreens, screeningRuns, trials, transactions };
}

describe('DailyRescreenService', () => {
  it('starts nothing at a site whose day has begun but not yet reached the daily time', async () => {
    // 02:29 in Tokyo on 14 March; 13:29 on the 13th in Boston.
    const { service, dailyRescreens, screeningRuns } = setUp('2027-03-13T17:29:00Z');

    expect(await service.startDue()).toEqual([]);
    expect(dailyRescreens.started.map((row) => row.id)).toEqual(['boston-13']);
    expect(screeningRuns.started).toEqual([]);
  });

  it('starts a site’s re-screen for its own calendar day once its clock passes the daily time: Tokyo before Boston', async () => {
    // 02:30 in Tokyo on 14 March, while Boston is still on the afternoon of the 13th (its 13th started long ago).
    const { service, clock, dailyRescreens } = setUp('2027-03-13T17:30:00Z');

    expect(await service.startDue()).toEqual([{ siteId: TOKYO, forDate: '2027-03-14', runs: 2 }]);

    // 03:00 EDT on 14 March in Boston: 02:30 never came that night (clocks skipped 02:00-03:00).
    clock.set('2027-03-14T07:00:00Z');
    expect(await service.startDue()).toEqual([{ siteId: BOSTON, forDate: '2027-03-14', runs: 1 }]);
    expect(dailyRescreens.started.map(({ siteId, forDate }) => `${siteId} ${forDate}`)).toEqual([
      `${BOSTON} 2027-03-13`,
      `${TOKYO} 2027-03-14`,
      `${BOSTON} 2027-03-14`,
    ]);
  });

  it('creates one screening run per trial recruiting at the site, for the site only, tied to that day’s re-screen', async () => {
    const { service, dailyRescreens, screeningRuns, transactions } = setUp('2027-03-13T17:30:00Z');

    await service.startDue();

    const [tokyoDay] = dailyRescreens.started.filter((row) => row.siteId === TOKYO);
    expect(
      screeningRuns.started.map(({ trial, cause, dailyRescreen }) => ({
        trial: trial.id,
        version: trial.criteriaVersion,
        cause,
        dailyRescreen,
      })),
    ).toEqual([
      {
        trial: 'trial-both',
        version: 3,
        cause: 'daily',
        dailyRescreen: { dailyRescreenId: tokyoDay.id, siteId: TOKYO, forDate: '2027-03-14' },
      },
      {
        trial: 'trial-tokyo',
        version: 1,
        cause: 'daily',
        dailyRescreen: { dailyRescreenId: tokyoDay.id, siteId: TOKYO, forDate: '2027-03-14' },
      },
    ]);
    // The day's row, the trials read and the runs: one transaction per site started.
    expect(transactions.opened).toBe(1);
  });

  it('starts a site’s day only once, however often it is called that day', async () => {
    const { service, clock, dailyRescreens, screeningRuns } = setUp('2027-03-13T17:30:00Z');
    expect(await service.startDue()).toHaveLength(1);

    for (const later of ['2027-03-13T17:35:00Z', '2027-03-13T20:00:00Z', '2027-03-14T06:00:00Z']) {
      clock.set(later); // still 14 March in Tokyo
      expect(await service.startDue()).toEqual([]);
    }
    expect(dailyRescreens.started.filter((row) => row.siteId === TOKYO)).toHaveLength(1);
    expect(screeningRuns.started).toHaveLength(2);
  });

  it('returns nothing for a day another worker started between the check and the insert, and creates no run', async () => {
    const { service, dailyRescreens, screeningRuns } = setUp('2027-03-13T17:30:00Z');
    // The other worker's row appears after this one read which days had started.
    const read = dailyRescreens.startedAmong.bind(dailyRescreens);
    dailyRescreens.startedAmong = async (tx, keys) => {
      const started = await read(tx, keys);
      dailyRescreens.started.push({ id: 'tokyo-14-other', siteId: TOKYO, forDate: '2027-03-14' });
      return started;
    };

    expect(await service.startDue()).toEqual([]);
    expect(screeningRuns.started).toEqual([]);
  });

  it('records the day of a site where no trial recruits, with no runs', async () => {
    const { service, dailyRescreens, screeningRuns, trials } = setUp('2027-03-13T17:30:00Z');
    trials.trials.splice(0);

    expect(await service.startDue()).toEqual([{ siteId: TOKYO, forDate: '2027-03-14', runs: 0 }]);
    expect(dailyRescreens.started.map((row) => row.siteId)).toContain(TOKYO);
    expect(screeningRuns.started).toEqual([]);
  });

  it('skips inactive sites', async () => {
    const { service, dailyRescreens } = setUp('2027-03-14T07:00:00Z');
    dailyRescreens.sites.find((site) => site.siteId === TOKYO)!.active = false;

    expect((await service.startDue()).map((started) => started.siteId)).toEqual([BOSTON]);
  });

  it('reads the recruiting trials in the transaction that records the day', async () => {
    const { service, trials, dailyRescreens } = setUp('2027-03-13T17:30:00Z');
    await service.startDue();
    expect(trials.askedIn.length).toBeGreaterThan(0);
    expect(trials.askedIn.every(isTransaction)).toBe(true);
    expect(trials.askedIn).toEqual(dailyRescreens.begunOn);
  });
});
