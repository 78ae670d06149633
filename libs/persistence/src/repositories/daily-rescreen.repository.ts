import { Injectable } from '@nestjs/common';
import type { DailyRescreenKey, SiteInTimeZone } from '@registry/domain';
import type { Tx } from './transactions';

/**
 * Each site's daily re-screen: one `daily_rescreen` row per (site, calendar day at the site), unique, so a
 * day is started once however many workers tick.
 */
@Injectable()
export class DailyRescreenRepository {
  /** The sites that are re-screened daily (the active ones), in id order. */
  async activeSites(tx: Tx): Promise<SiteInTimeZone[]> {
    const sites = await tx.query<{ id: string; time_zone: string }[]>(
      `SELECT id, time_zone FROM site WHERE active ORDER BY id`,
    );
    return sites.map((site) => ({ siteId: site.id, timeZone: site.time_zone }));
  }

  /** Which of these (site, day) re-screens have been started already. */
  startedAmong(tx: Tx, keys: readonly DailyRescreenKey[]): Promise<DailyRescreenKey[]> {
    return tx.query<DailyRescreenKey[]>(
      `SELECT d.site_id AS "siteId", d.for_date::text AS "forDate"
         FROM daily_rescreen d JOIN unnest($1::uuid[], $2::date[]) AS s(site_id, today)
           ON d.site_id = s.site_id AND d.for_date = s.today`,
      [keys.map((key) => key.siteId), keys.map((key) => key.forDate)],
    );
  }

  /**
   * Records that the site's re-screen of the day starts, and returns its id; `'already_started'` when the
   * day's row exists. A concurrent start of the same day waits for the first to commit and then gets
   * `'already_started'` (or the day's row if the first rolled back).
   */
  async begin(tx: Tx, { siteId, forDate }: DailyRescreenKey): Promise<{ id: string } | 'already_started'> {
    const [row] = await tx.query<{ id: string }[]>(
      `INSERT INTO daily_rescreen (site_id, for_date) VALUES ($1, $2)
         ON CONFLICT (site_id, for_date) DO NOTHING RETURNING id`,
      [siteId, forDate],
    );
    return row ? { id: row.id } : 'already_started';
  }
}
