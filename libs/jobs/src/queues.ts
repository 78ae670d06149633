import type { JobsOptions } from 'bullmq';

/** Every BullMQ queue. Producer and consumer both import these names; no queue name is written anywhere else. */
export enum QueueName {
  Maintenance = 'maintenance',
  /** Eligibility screening: one participant against every recruiting trial, or one trial against the cohort. */
  Screening = 'screening',
}

/** Every job name, each handled by exactly one processor (checked when the worker boots). */
export enum JobName {
  PruneOutbox = 'prune-outbox',
  ScreenParticipant = 'screen-participant',
  RunScreening = 'run-screening',
  /** Frequent: starts the daily re-screen of each site whose day has reached DAILY_RESCREEN_LOCAL_TIME. */
  StartDailyRescreens = 'start-daily-rescreens',
  WriteAuditCheckpoint = 'write-audit-checkpoint',
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

export type StartDailyRescreensJobData = Record<string, never>;

/** Signs the head of the audit chain (skipped when it has not moved since the newest checkpoint). */
export type WriteAuditCheckpointJobData = Record<string, never>;

/** The payload of each job name: one discriminated union for all jobs. */
export interface JobDataByName {
  [JobName.PruneOutbox]: PruneOutboxJobData;
  [JobName.ScreenParticipant]: ScreenParticipantJobData;
  [JobName.RunScreening]: RunScreeningJobData;
  [JobName.StartDailyRescreens]: StartDailyRescreensJobData;
  [JobName.WriteAuditCheckpoint]: WriteAuditCheckpointJobData;
}

export type JobEnvelope = {
  [N in keyof JobDataByName]: { name: N; data: JobDataByName[N] };
}[keyof JobDataByName];

/** Which queue each job goes to. */
export const QUEUE_OF_JOB: Record<JobName, QueueName> = {
  [JobName.PruneOutbox]: QueueName.Maintenance,
  [JobName.ScreenParticipant]: QueueName.Screening,
  [JobName.RunScreening]: QueueName.Screening,
  [JobName.StartDailyRescreens]: QueueName.Screening,
  [JobName.WriteAuditCheckpoint]: QueueName.Maintenance,
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
  [JobName.StartDailyRescreens]: { ...DEFAULT_JOB_OPTIONS, attempts: 3 },
  [JobName.WriteAuditCheckpoint]: { ...DEFAULT_JOB_OPTIONS, attempts: 3 },
};

/**
 * Re-screening a participant: a burst of changes collapses into one job (same deduplication id while it
 * waits out a short delay), and a change arriving while a screen is running queues exactly one more.
 */
export const screenParticipantOptions = (participantId: string) => ({
  ...JOB_OPTIONS[JobName.ScreenParticipant],
  delay: 150,
  deduplication: { id: `screen-participant:${participantId}`, keepLastIfActive: true },
});

/** Named after the first run: the runs of one job are created together and never join another job. */
export const runScreeningJobId = (runIds: readonly string[]): string => `screening-run-${runIds[0]}`;

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
] as const satisfies readonly {
  schedulerId: string;
  queue: QueueName;
  repeat: { pattern: string; tz: string };
  job: JobEnvelope;
}[];
