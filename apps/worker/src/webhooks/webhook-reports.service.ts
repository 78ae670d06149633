import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Environment } from '@registry/config';
import {
  DAILY_REPORT_EVENT_TYPES,
  TrialStatus,
  WebhookEventType,
  webhookReportDay,
  webhookReportDue,
} from '@registry/domain';
import {
  AuditRepository,
  TrialEntity,
  TrialRepository,
  Transactions,
  Tx,
  WebhookReportRepository,
  WebhookRepository,
} from '@registry/persistence';
import { canonicalJson, Clock } from '@registry/platform';
import { funnelView, poolTotals, ReferralFunnelReport, TrialPoolReport } from '@registry/sponsor-reports';

/** One trial's check for one daily report event type. */
export interface WebhookReportKey {
  trialId: string;
  eventType: WebhookEventType;
}

export type WebhookReportOutcome = 'sent' | 'unchanged' | 'already_checked' | 'trial_gone';

/** The figures of one report: what is fingerprinted (compared day to day) and what else the event carries. */
interface ReportFigures {
  /** Compared with the last report: an event goes out when these differ. */
  compared: Record<string, unknown>;
  /** Sent with the compared figures but not compared (the day they hold for changes every day). */
  alongside: Record<string, unknown>;
}

/**
 * The daily webhook reports of a trial's state to its sponsor organisation (`trial.pool_changed`,
 * `referral.outcome`): once a report day (`webhookReportDay`), each trial whose organisation takes the event
 * is counted exactly as the API counts it for that organisation (`TrialPoolReport`, `ReferralFunnelReport`:
 * the same disclosure control under the same question, so the webhook and the API publish the same numbers),
 * and an event is published when the published figures differ from the last ones sent. A lock on the trial
 * and event type makes the check once-only when several workers meet.
 */
@Injectable()
export class WebhookReportsService {
  constructor(
    private readonly transactions: Transactions,
    private readonly reports: WebhookReportRepository,
    private readonly webhooks: WebhookRepository,
    private readonly trials: TrialRepository,
    private readonly audit: AuditRepository,
    private readonly pools: TrialPoolReport,
    private readonly funnels: ReferralFunnelReport,
    private readonly clock: Clock,
    @Inject(Environment) private readonly config: Environment,
  ) {}

  /** Every trial and event type due a check on the current report day. */
  async due(): Promise<WebhookReportKey[]> {
    const reportDay = this.reportDay();
    return this.transactions.read(async (tx) => {
      const due: WebhookReportKey[] = [];
      for (const eventType of DAILY_REPORT_EVENT_TYPES)
        for (const trialId of await this.reports.trialsDue(tx, eventType, reportDay))
          due.push({ trialId, eventType });
      return due;
    });
  }

  /** Checks one trial for one event type on the current report day, sending the event if the figures changed. */
  async check({ trialId, eventType }: WebhookReportKey): Promise<WebhookReportOutcome> {
    const reportDay = this.reportDay();
    return this.transactions.run(async (tx) => {
      const last = await this.reports.lockLast(tx, trialId, eventType);
      if (last && !webhookReportDue(last.checkedOn, reportDay)) return 'already_checked';
      const trial = await this.trials.findWithSites(tx, trialId);
      if (!trial || trial.status === TrialStatus.Closed) return 'trial_gone';
      const figures = await this.figures(tx, trial, eventType);
      const fingerprint = createHash('sha256').update(canonicalJson(figures.compared)).digest('hex');
      if (last?.fingerprint === fingerprint) {
        await this.reports.recordUnchanged(tx, trialId, eventType, reportDay);
        return 'unchanged';
      }
      const at = this.clock.now();
      const deliveries = await this.webhooks.publish(tx, {
        organisationId: trial.sponsorOrganisationId,
        type: eventType,
        occurredAt: at,
        data: { ...figures.alongside, ...figures.compared },
      });
      await this.reports.recordSent(tx, {
        trialId,
        eventType,
        checkedOn: reportDay,
        fingerprint,
        reportedAt: at,
      });
      // Numbers given to a sponsor are audited as its queries are, though no one asked.
      await this.audit.record(tx, {
        action: 'webhook_report.sent',
        entityType: 'trial',
        entityId: trial.id,
        changes: [
          { field: 'eventType', old: null, new: eventType },
          { field: 'reportDay', old: last?.checkedOn ?? null, new: reportDay },
          { field: 'deliveries', old: null, new: deliveries },
        ],
      });
      return 'sent';
    });
  }

  private reportDay() {
    return webhookReportDay(this.clock.now(), this.config.WEBHOOK_REPORT_UTC_TIME);
  }

  private async figures(tx: Tx, trial: TrialEntity, eventType: WebhookEventType): Promise<ReportFigures> {
    if (eventType === WebhookEventType.PoolChanged) {
      const pool = await this.pools.count(tx, trial);
      return {
        compared: { trialId: trial.id, criteriaVersion: trial.criteriaVersion, counts: poolTotals(pool) },
        alongside: { asOf: pool.asOf },
      };
    }
    if (eventType === WebhookEventType.ReferralOutcome)
      return { compared: { ...funnelView(await this.funnels.count(tx, trial)) }, alongside: {} };
    throw new Error(`${eventType} is not a daily report`);
  }
}
