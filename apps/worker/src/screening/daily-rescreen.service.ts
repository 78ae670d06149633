import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Environment } from '@registry/config';
import { DailyRescreenKey, dailyRescreensDue } from '@registry/domain';
import { startScreeningRuns } from '@registry/persistence';
import { Clock, SiteCalendar } from '@registry/platform';
import { DataSource } from 'typeorm';
import { ScreeningService } from './screening.service';

/** What one start of a site's daily re-screen did. */
export interface StartedDailyRescreen extends DailyRescreenKey {
  /** The screening runs created: one per trial recruiting at the site (none: nothing to screen there today). */
  runs: number;
}

/**
 * Starts each site's daily re-screen once its day has reached DAILY_RESCREEN_LOCAL_TIME (see
 * `dailyRescreensDue`): the site's participants judged on the site's calendar day, for every trial recruiting
 * there. Called by a frequent tick; exactly once per site and day, however often or by how many workers.
 */
@Injectable()
export class DailyRescreenService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(Environment) private readonly config: Environment,
    private readonly clock: Clock,
    private readonly calendar: SiteCalendar,
    private readonly screening: ScreeningService,
  ) {}

  /** Starts the daily re-screens due now; returns those this call started (not those another had started). */
  async startDue(): Promise<StartedDailyRescreen[]> {
    const now = this.clock.now();
    const sites = (
      await this.dataSource.query<{ id: string; time_zone: string }[]>(
        `SELECT id, time_zone FROM site WHERE active ORDER BY id`,
      )
    ).map((site) => ({ siteId: site.id, timeZone: site.time_zone }));
    const todayAt = this.calendar.todayAt(now);
    const startedToday = await this.dataSource.query<DailyRescreenKey[]>(
      `SELECT d.site_id AS "siteId", d.for_date::text AS "forDate"
         FROM daily_rescreen d JOIN unnest($1::uuid[], $2::date[]) AS s(site_id, today)
           ON d.site_id = s.site_id AND d.for_date = s.today`,
      [sites.map((site) => site.siteId), sites.map((site) => todayAt(site.timeZone))],
    );
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
  private start({ siteId, forDate }: DailyRescreenKey): Promise<number | null> {
    return this.dataSource.transaction(async (manager) => {
      const [dailyRescreen] = await manager.query<{ id: string }[]>(
        `INSERT INTO daily_rescreen (site_id, for_date) VALUES ($1, $2)
         ON CONFLICT (site_id, for_date) DO NOTHING RETURNING id`,
        [siteId, forDate],
      );
      if (!dailyRescreen) return null;
      const trials = (await this.screening.recruitingTrials(manager)).filter((trial) =>
        trial.siteIds.has(siteId),
      );
      if (trials.length === 0) return 0;
      await startScreeningRuns(manager, trials, 'daily', { dailyRescreenId: dailyRescreen.id, siteId });
      return trials.length;
    });
  }
}
