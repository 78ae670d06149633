/**
 * What a sponsor organisation can subscribe a webhook endpoint to. Each payload follows the disclosure rules
 * of what it reports: counts pass disclosure control, people appear only as per-trial tokens, and no payload
 * carries a name, a registry id or a date that identifies a person.
 */
export enum WebhookEventType {
  /** A cohort screening run of one of the organisation's trials finished (a criteria change or a new site). */
  ScreeningRunFinished = 'screening_run.finished',
  /** The published (disclosure-controlled) pool totals of one of the organisation's trials changed. */
  PoolChanged = 'trial.pool_changed',
  /** A referral for one of the organisation's trials moved: its funnel counts and the referred tokens. */
  ReferralOutcome = 'referral.outcome',
}

export const WEBHOOK_EVENT_TYPES: readonly WebhookEventType[] = Object.values(WebhookEventType);
