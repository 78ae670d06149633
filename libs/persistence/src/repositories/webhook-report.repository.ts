import { Injectable } from '@nestjs/common';
import type { CalendarDate } from '@registry/domain';
import type { Tx } from './transactions';

/** What a trial's sponsor was last told by one daily report event. */
export interface LastWebhookReport {
  checkedOn: CalendarDate;
  fingerprint: string;
}

export interface WebhookReportSent {
  trialId: string;
  eventType: string;
  checkedOn: CalendarDate;
  /** Of the figures the event carried. */
  fingerprint: string;
  reportedAt: Date;
}

/** The state of the daily webhook reports (`webhook_report`): what was last sent per trial and event type. */
@Injectable()
export class WebhookReportRepository {
  /**
   * Trials due a check of `eventType` on `reportDay`: not closed, of an organisation with an enabled endpoint
   * taking the event type, and not checked for that day yet. Organisations without such an endpoint cost
   * nothing (a pool is a walk of the trial's sites).
   */
  async trialsDue(tx: Tx, eventType: string, reportDay: CalendarDate): Promise<string[]> {
    const rows = await tx.query<{ id: string }[]>(
      `SELECT t.id FROM trial t
        WHERE t.status <> 'closed'
          AND EXISTS (SELECT 1 FROM webhook_endpoint e
                       WHERE e.sponsor_organisation_id = t.sponsor_organisation_id
                         AND e.disabled_at IS NULL AND $1 = ANY(e.event_types))
          AND NOT EXISTS (SELECT 1 FROM webhook_report r
                           WHERE r.trial_id = t.id AND r.event_type = $1 AND r.checked_on >= $2::date)
        ORDER BY t.id`,
      [eventType, reportDay],
    );
    return rows.map((row) => row.id);
  }

  /**
   * The last report of a trial and event type, after taking a lock on the pair that lasts until the
   * transaction ends: a second worker checking the same pair waits here, then finds it checked.
   */
  async lockLast(tx: Tx, trialId: string, eventType: string): Promise<LastWebhookReport | null> {
    await tx.query(
      `SELECT pg_advisory_xact_lock(hashtextextended('webhook_report:' || $1 || ':' || $2, 0))`,
      [trialId, eventType],
    );
    const rows = await tx.query<{ checked_on: string; fingerprint: string }[]>(
      `SELECT to_char(checked_on, 'YYYY-MM-DD') AS checked_on, fingerprint FROM webhook_report
        WHERE trial_id = $1 AND event_type = $2`,
      [trialId, eventType],
    );
    return rows.length === 0 ? null : { checkedOn: rows[0].checked_on, fingerprint: rows[0].fingerprint };
  }

  /** Records a check that sent an event: the figures sent, and when. */
  async recordSent(tx: Tx, sent: WebhookReportSent): Promise<void> {
    await tx.query(
      `INSERT INTO webhook_report (trial_id, event_type, checked_on, fingerprint, reported_at)
       VALUES ($1, $2, $3::date, $4, $5)
       ON CONFLICT (trial_id, event_type) DO UPDATE
         SET checked_on = EXCLUDED.checked_on, fingerprint = EXCLUDED.fingerprint, reported_at = EXCLUDED.reported_at`,
      [sent.trialId, sent.eventType, sent.checkedOn, sent.fingerprint, sent.reportedAt],
    );
  }

  /** Records a check that found the figures last sent: the day only. */
  async recordUnchanged(tx: Tx, trialId: string, eventType: string, checkedOn: CalendarDate): Promise<void> {
    await tx.query(
      `UPDATE webhook_report SET checked_on = $3::date WHERE trial_id = $1 AND event_type = $2`,
      [trialId, eventType, checkedOn],
    );
  }
}
