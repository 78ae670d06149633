import type { JobsOptions } from 'bullmq';

/** Every BullMQ queue. Producer and consumer both import these names; no queue name is written anywhere else. */
export enum QueueName {
  Maintenance = 'maintenance',
  /** Eligibility screening: one participant against every recruiting trial, or one trial against the cohort. */
  Screening = 'screening',
  /** Webhook deliveries to sponsor organisations' endpoints: one organisation's in order, others alongside. */
  Webhooks = 'webhooks',
  /** Reminders and notifications: the daily per-site reminder runs, flag notifications and e-mail. */
  Notifications = 'notifications',
  /**
   * The daily webhook reports of trials' pools and referral funnels: long walks of a trial's sites, kept off
   * the deliveries' queue so that counting never holds up sending.
   */
  SponsorReports = 'sponsor-reports',
}

/** Every job name, each handled by exactly one processor (checked when the worker boots). */
export enum JobName {
  PruneOutbox = 'prune-outbox',
  ScreenParticipant = 'screen-participant',
  RunScreening = 'run-screening',
  /** One participant id range of a cohort run (see RunScreeningPartitionJobData). */
  RunScreeningPartition = 'run-screening-partition',
  /** Frequent: starts the daily re-screen of each site whose day has reached DAILY_RESCREEN_LOCAL_TIME. */
  StartDailyRescreens = 'start-daily-rescreens',
  WriteAuditCheckpoint = 'write-audit-checkpoint',
  /** Sends an organisation's due webhook deliveries, oldest first, until one fails or none is due. */
  DeliverWebhooks = 'deliver-webhooks',
  /** Frequent: a delivery job for each organisation with a delivery due (retries; a job lost with Redis). */
  SweepWebhooks = 'sweep-webhooks',
  /**
   * Frequent: notifies coordinators of new flags, and fans out the day's reminders of each site whose day has
   * reached REMINDER_LOCAL_TIME and whose reminders for the day are not complete.
   */
  TickReminders = 'tick-reminders',
  /** One site's reminders for one calendar day at the site. */
  RunSiteReminders = 'run-site-reminders',
  /** E-mails one notification at once (eligibility flags, for users who asked for it). */
  SendNotificationEmail = 'send-notification-email',
  /** One user's daily digest of the notifications not e-mailed yet. */
  SendEmailDigest = 'send-email-digest',
  /** Frequent: a report job for each trial and daily report event type not yet checked on the report day. */
  TickWebhookReports = 'tick-webhook-reports',
  /** Checks one trial's published pool or referral funnel and sends the event if it changed. */
  ReportTrialWebhook = 'report-trial-webhook',
}

/** Payloads carry ids and flags only: the worker reloads state from PostgreSQL (the queue is a doorbell). */
export interface PruneOutboxJobData {
  /** Published outbox rows older than this many days are deleted. */
  olderThanDays: number;
}

export interface ScreenParticipantJobData {
  participantId: string;
  /**
   * What changed and when (the outbox event's cause and time), for the visit-to-determination latency metric
   * only: screening reloads everything from PostgreSQL. Of a burst collapsed into one job, the first change's.
   */
  cause?: string;
  changedAt?: string;
}

/**
 * Screening run rows hold the trial, the criteria version, the site they are scoped to and the cursor; the job
 * only names them. Several runs (a site's daily re-screen of every recruiting trial there) are walked
 * together, one pass over the cohort that loads each participant once for all their trials.
 */
export interface RunScreeningJobData {
  runIds: string[];
}

/**
 * A large run is split into partitions by participant id range (`screening_partition`) when its
 * `run-screening` job first takes it; each partition is a job of its own, so any number of workers walk one
 * run at once. The runs are those of the `run-screening` job.
 */
export interface RunScreeningPartitionJobData {
  runIds: string[];
  partitionId: string;
}

export type StartDailyRescreensJobData = Record<string, never>;

export type TickRemindersJobData = Record<string, never>;

export interface RunSiteRemindersJobData {
  siteId: string;
  /** The calendar day at the site (YYYY-MM-DD). */
  forDate: string;
}

export interface SendNotificationEmailJobData {
  notificationId: string;
}

export interface SendEmailDigestJobData {
  recipientId: string;
  /** The calendar day at the recipient's site the digest is for (names the job: one digest a day). */
  forDate: string;
}

/** Signs the head of the audit chain (skipped when it has not moved since the newest checkpoint). */
export type WriteAuditCheckpointJobData = Record<string, never>;

export interface DeliverWebhooksJobData {
  organisationId: string;
}

export type SweepWebhooksJobData = Record<string, never>;

export type TickWebhookReportsJobData = Record<string, never>;

export interface ReportTrialWebhookJobData {
  trialId: string;
  /** A daily report event type (`DAILY_REPORT_EVENT_TYPES`). */
  eventType: string;
}

/** The payload of each job name: one discriminated union for all jobs. */
export interface JobDataByName {
  [JobName.PruneOutbox]: PruneOutboxJobData;
  [JobName.ScreenParticipant]: ScreenParticipantJobData;
  [JobName.RunScreening]: RunScreeningJobData;
  [JobName.RunScreeningPartition]: RunScreeningPartitionJobData;
  [JobName.StartDailyRescreens]: StartDailyRescreensJobData;
  [JobName.WriteAuditCheckpoint]: WriteAuditCheckpointJobData;
  [JobName.DeliverWebhooks]: DeliverWebhooksJobData;
  [JobName.SweepWebhooks]: SweepWebhooksJobData;
  [JobName.TickReminders]: TickRemindersJobData;
  [JobName.RunSiteReminders]: RunSiteRemindersJobData;
  [JobName.SendNotificationEmail]: SendNotificationEmailJobData;
  [JobName.SendEmailDigest]: SendEmailDigestJobData;
  [JobName.TickWebhookReports]: TickWebhookReportsJobData;
  [JobName.ReportTrialWebhook]: ReportTrialWebhookJobData;
}

export type JobEnvelope = {
  [N in keyof JobDataByName]: { name: N; data: JobDataByName[N] };
}[keyof JobDataByName];

/** Which queue each job goes to. */
export const QUEUE_OF_JOB: Record<JobName, QueueName> = {
  [JobName.PruneOutbox]: QueueName.Maintenance,
  [JobName.ScreenParticipant]: QueueName.Screening,
  [JobName.RunScreening]: QueueName.Screening,
  [JobName.RunScreeningPartition]: QueueName.Screening,
  [JobName.StartDailyRescreens]: QueueName.Screening,
  [JobName.WriteAuditCheckpoint]: QueueName.Maintenance,
  [JobName.DeliverWebhooks]: QueueName.Webhooks,
  [JobName.SweepWebhooks]: QueueName.Webhooks,
  [JobName.TickReminders]: QueueName.Notifications,
  [JobName.RunSiteReminders]: QueueName.Notifications,
  [JobName.SendNotificationEmail]: QueueName.Notifications,
  [JobName.SendEmailDigest]: QueueName.Notifications,
  [JobName.TickWebhookReports]: QueueName.SponsorReports,
  [JobName.ReportTrialWebhook]: QueueName.SponsorReports,
};

const KEEP_FAILED_FOR_INSPECTION = { age: 14 * 24 * 3600, count: 10_000 };

/** Retries with exponential back-off; completed jobs are trimmed, failed ones are kept for inspection. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: KEEP_FAILED_FOR_INSPECTION,
};

export const JOB_OPTIONS: Record<JobName, JobsOptions> = {
  [JobName.PruneOutbox]: { ...DEFAULT_JOB_OPTIONS, attempts: 3 },
  [JobName.ScreenParticipant]: { ...DEFAULT_JOB_OPTIONS, attempts: 8 },
  [JobName.RunScreening]: { ...DEFAULT_JOB_OPTIONS, attempts: 20 },
  [JobName.RunScreeningPartition]: { ...DEFAULT_JOB_OPTIONS, attempts: 20 },
  [JobName.StartDailyRescreens]: { ...DEFAULT_JOB_OPTIONS, attempts: 3 },
  [JobName.WriteAuditCheckpoint]: { ...DEFAULT_JOB_OPTIONS, attempts: 3 },
  // A failed job here is a database or Redis failure (a receiver's failure is recorded on the delivery and
  // retried by the delivery's own schedule); the sweep starts the organisation again anyway.
  [JobName.DeliverWebhooks]: { ...DEFAULT_JOB_OPTIONS, attempts: 3 },
  [JobName.SweepWebhooks]: { ...DEFAULT_JOB_OPTIONS, attempts: 1 },
  [JobName.TickReminders]: { ...DEFAULT_JOB_OPTIONS, attempts: 3 },
  [JobName.RunSiteReminders]: { ...DEFAULT_JOB_OPTIONS, attempts: 5 },
  // An SMTP server down for a while: 2 s, 4 s, 8 s ... about 9 hours in all before giving up.
  [JobName.SendNotificationEmail]: { ...DEFAULT_JOB_OPTIONS, attempts: 15 },
  // Kept two days once sent: its job id (one per user and day) then refuses a second digest the same day.
  [JobName.SendEmailDigest]: {
    ...DEFAULT_JOB_OPTIONS,
    attempts: 15,
    removeOnComplete: { age: 2 * 24 * 3600 },
  },
  [JobName.TickWebhookReports]: { ...DEFAULT_JOB_OPTIONS, attempts: 1 },
  // A failure is a database failure; the next tick adds the check again while the report day lasts.
  [JobName.ReportTrialWebhook]: { ...DEFAULT_JOB_OPTIONS, attempts: 3 },
};

/**
 * A site's reminders of a day: one job at a time (a tick while it waits or runs adds nothing); once it has
 * finished or failed, a later tick may add it again if the day is still not complete.
 */
export const runSiteRemindersOptions = (data: RunSiteRemindersJobData) => ({
  ...JOB_OPTIONS[JobName.RunSiteReminders],
  deduplication: { id: `site-reminders:${data.siteId}:${data.forDate}` },
});

/** One e-mail per notification, and one digest per user and day: deterministic job ids. */
export const sendNotificationEmailJobId = (notificationId: string) => `email-${notificationId}`;
export const sendEmailDigestJobId = (recipientId: string, forDate: string) =>
  `digest-${recipientId}-${forDate}`;

/**
 * Re-screening a participant: a burst of changes collapses into one job (same deduplication id while it
 * waits out a short delay), and a change arriving while a screen is running queues exactly one more.
 */
export const screenParticipantOptions = (participantId: string) => ({
  ...JOB_OPTIONS[JobName.ScreenParticipant],
  delay: 150,
  deduplication: { id: `screen-participant:${participantId}`, keepLastIfActive: true },
});

/**
 * Sending an organisation's webhooks: deliveries created while a job waits join it (same deduplication id),
 * and one created while a job runs queues exactly one more. Jobs of one organisation that still meet are
 * serialised by the row lock on its oldest pending delivery (apps/worker/src/webhooks).
 */
export const deliverWebhooksOptions = (organisationId: string, delay = 0): JobsOptions => ({
  ...JOB_OPTIONS[JobName.DeliverWebhooks],
  delay,
  deduplication: { id: `deliver-webhooks:${organisationId}`, keepLastIfActive: true },
});

/** One check of a trial and event type at a time: a tick while it waits or runs adds nothing. */
export const reportTrialWebhookOptions = (data: ReportTrialWebhookJobData): JobsOptions => ({
  ...JOB_OPTIONS[JobName.ReportTrialWebhook],
  deduplication: { id: `webhook-report:${data.trialId}:${data.eventType}` },
});

/** Named after the first run: the runs of one job are created together and never join another job. */
export const runScreeningJobId = (runIds: readonly string[]): string => `screening-run-${runIds[0]}`;

/** A partition is queued once however often its run's job is retried (the job id names the partition). */
export const runScreeningPartitionJobId = (partitionId: string): string =>
  `screening-partition-${partitionId}`;

/** Recurring work: BullMQ job schedulers with stable ids, registered once by the worker (upsert is idempotent). */
export const JOB_SCHEDULES = [
  {
    schedulerId: 'maintenance:prune-outbox:daily',
    queue: QueueName.Maintenance,
    // 03:30 UTC daily: a quiet hour for the sites in Asia, Europe and the Americas alike.
    repeat: { pattern: '30 3 * * *', tz: 'UTC' },
    job: { name: JobName.PruneOutbox, data: { olderThanDays: 7 } },
  },
  {
    // Birthdays cross age limits and results age past recency windows with time alone, at each site's
    // midnight. One tick for all sites: each tick starts the re-screens of the sites whose local time has
    // reached DAILY_RESCREEN_LOCAL_TIME today and were not started yet (see `dailyRescreensDue`), which
    // follows daylight saving time, new sites and catches up after downtime with no per-site schedule.
    schedulerId: 'screening:daily-rescreen:tick',
    queue: QueueName.Screening,
    repeat: { pattern: '*/5 * * * *', tz: 'UTC' },
    job: { name: JobName.StartDailyRescreens, data: {} },
  },
  {
    // Rows newer than the newest checkpoint are protected by the hash chain alone: this bounds that window.
    schedulerId: 'maintenance:audit-checkpoint:5min',
    queue: QueueName.Maintenance,
    repeat: { pattern: '*/5 * * * *', tz: 'UTC' },
    job: { name: JobName.WriteAuditCheckpoint, data: {} },
  },
  {
    // Retries fall due at their own times; each delivery job also schedules its organisation's next retry, so
    // this catches only what was lost (a job dropped with Redis, a worker killed between commit and enqueue).
    schedulerId: 'webhooks:sweep:1min',
    queue: QueueName.Webhooks,
    repeat: { pattern: '* * * * *', tz: 'UTC' },
    job: { name: JobName.SweepWebhooks, data: {} },
  },
  {
    // New flags reach coordinators within a minute; each site's reminders run from REMINDER_LOCAL_TIME on its
    // own day (see `dailyRescreensDue`), and its digest from EMAIL_DIGEST_LOCAL_TIME.
    schedulerId: 'notifications:reminders:tick',
    queue: QueueName.Notifications,
    repeat: { pattern: '* * * * *', tz: 'UTC' },
    job: { name: JobName.TickReminders, data: {} },
  },
  {
    // Each trial is checked once a report day from WEBHOOK_REPORT_UTC_TIME (see `webhookReportDay`); a tick
    // every ten minutes starts the checks due, and catches up after downtime.
    schedulerId: 'sponsor-reports:webhook-reports:tick',
    queue: QueueName.SponsorReports,
    repeat: { pattern: '*/10 * * * *', tz: 'UTC' },
    job: { name: JobName.TickWebhookReports, data: {} },
  },
] as const satisfies readonly {
  schedulerId: string;
  queue: QueueName;
  repeat: { pattern: string; tz: string };
  job: JobEnvelope;
}[];
