import { Inject, Injectable } from '@nestjs/common';
import { Environment } from '@registry/config';
import { DailyRescreenKey, dailyRescreensDue } from '@registry/domain';
import { DailyRescreenRepository, ScreeningRunRepository, Transactions } from '@registry/persistence';
import { Clock, SiteCalendar } from '@registry/platform';
import { ScreeningService } from './screening.service';

/** What one start of a site's daily re-screen did. */
export interface StartedDailyRescreen extends DailyRescreenKey {
  /** The screening runs created: one per trial recruiting at the site (none: nothing to screen there today). */
  runs: number;
}

/** What the daily re-screen needs of the screening service: the trials recruiting now, and their sites. */
export type RecruitingTrials = Pick<ScreeningService, 'recruitingTrials'>;

/**
 * Starts each site's daily re-screen once its day has reached DAILY_RESCREEN_LOCAL_TIME (see
 * `dailyRescreensDue`): the site's participants judged on the site's calendar day, for every trial recruiting
 * there. Called by a frequent tick; exactly once per site and day, however often or by how many workers.
 */
@Injectable()
export class DailyRescreenService {
  constructor(
    private readonly transactions: Transactions,
    private readonly dailyRescreens: DailyRescreenRepository,
    private readonly screeningRuns: ScreeningRunRepository,
    @Inject(Environment) private readonly config: Environment,
    private readonly clock: Clock,
    private readonly calendar: SiteCalendar,
    @Inject(ScreeningService) private readonly screening: RecruitingTrials,
  ) {}

  /** Starts the daily re-screens due now; returns those this call started (not those another had started). */
  async startDue(): Promise<StartedDailyRescreen[]> {
    const now = this.clock.now();
    const todayAt = this.calendar.todayAt(now);
    const { sites, startedToday } = await this.transactions.read(async (tx) => {
      const sites = await this.dailyRescreens.activeSites(tx);
      const today = sites.map((site) => ({ siteId: site.siteId, forDate: todayAt(site.timeZone) }));
      return { sites, startedToday: await this.dailyRescreens.startedAmong(tx, today) };
    });
    const due = dailyRescreensDue(sites, this.config.DAILY_RESCREEN_LOCAL_TIME, now, startedToday);
    const started: StartedDailyRescreen[] = [];
    for (const key of due) {
      const runs = await this.start(key);
      if (runs !== null) started.push({ ...key, runs });
    }
    return started;
  }

  /**
   * One site's re-screen for one day: the day's key, a screening run per trial recruiting at the site and the
   * event that starts them, in one transaction, so that a crash leaves all or nothing and the outbox relay
   * delivers the event once. Null when the day had been started already: the unique key on (site, day) makes
   * a concurrent start wait for this one to commit and then insert nothing.
   */
  private start(key: DailyRescreenKey): Promise<number | null> {
    return this.transactions.run(async (tx) => {
      const dailyRescreen = await this.dailyRescreens.begin(tx, key);
      if (dailyRescreen === 'already_started') return null;
      const trials = (await this.screening.recruitingTrials(tx)).filter((trial) =>
        trial.siteIds.has(key.siteId),
      );
      if (trials.length === 0) return 0;
      await this.screeningRuns.start(tx, trials, 'daily', {
        dailyRescreenId: dailyRescreen.id,
        siteId: key.siteId,
        forDate: key.forDate,
      });
      return trials.length;
    });
  }
}
