import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { OutboxRepository, Transactions } from '@registry/persistence';
import { MetricsRegistry } from '@registry/platform';
import type { Job } from 'bullmq';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { JobOutcome } from './queue-processor';
import { QueueProcessor } from './queue-processor';

/** Seconds; from a participant's screen (tens of milliseconds) to a cohort re-screen (minutes). */
const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
/** Seconds; the path includes the outbox relay and the 150 ms de-duplication delay of a participant's screen. */
const VISIT_BUCKETS = [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60, 300];

/**
 * The worker's own series: job durations and failures by queue and name (from every processor's BullMQ events),
 * the time from a committed change (a visit above all) to the determination it causes, and the outbox relay's lag. Durations are
 * wall-clock (Date.now, as BullMQ's own job timestamps), not the injected clock, which a test may hold still.
 */
@Injectable()
export class WorkerMetrics implements OnApplicationBootstrap {
  private readonly jobDuration: Histogram<'queue' | 'job' | 'outcome'>;
  private readonly jobFailures: Counter<'queue' | 'job' | 'gave_up'>;
  private readonly changeToDetermination: Histogram<'cause'>;

  constructor(
    metrics: MetricsRegistry,
    private readonly discovery: DiscoveryService,
    outbox: OutboxRepository,
    transactions: Transactions,
  ) {
    const registers = [metrics.registry];
    this.jobDuration = new Histogram({
      name: 'bullmq_job_duration_seconds',
      help: 'Time a job ran, by queue, job name and outcome (done, skipped, failed).',
      labelNames: ['queue', 'job', 'outcome'],
      buckets: JOB_BUCKETS,
      registers,
    });
    this.jobFailures = new Counter({
      name: 'bullmq_job_failures_total',
      help: 'Failed job attempts by queue and job name; gave_up="true" when no attempt is left (kept as failed).',
      labelNames: ['queue', 'job', 'gave_up'],
      registers,
    });
    this.changeToDetermination = new Histogram({
      name: 'screening_change_to_determination_seconds',
      help:
        'Time from a committed change to a participant (cause: visit, consent, status, ...) to the determinations ' +
        'and flags of the screen it caused; cause="visit" is the visit-to-flag latency. Of a burst of changes ' +
        'screened once, the first one counts.',
      labelNames: ['cause'],
      buckets: VISIT_BUCKETS,
      registers,
    });
    let pending: ReturnType<OutboxRepository['lag']> | undefined;
    const lag = () => {
      pending ??= transactions
        .read((tx) => outbox.lag(tx))
        .finally(() => setImmediate(() => (pending = undefined)));
      return pending;
    };
    const outboxGauge = (name: string, help: string, read: (l: Awaited<typeof pending>) => number) =>
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          this.set(read(await lag()));
        },
      });
    outboxGauge(
      'outbox_unpublished_events',
      'Outbox events committed and not yet queued.',
      (l) => l!.unpublished,
    );
    outboxGauge(
      'outbox_oldest_unpublished_age_seconds',
      'Seconds since the oldest outbox event not yet queued was committed (0 when none waits).',
      (l) => l!.oldestUnpublishedSeconds,
    );
    outboxGauge(
      'outbox_set_aside_events',
      'Outbox events no job can handle, set aside for a person to look at.',
      (l) => l!.setAside,
    );
  }

  onApplicationBootstrap(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const processor = wrapper.instance as unknown;
      if (!(processor instanceof QueueProcessor)) continue;
      const queue = processor.worker.name;
      processor.worker.on('completed', (job: Job, outcome: JobOutcome) =>
        this.jobDuration.observe(
          { queue, job: job.name, outcome: outcome?.status ?? 'done' },
          secondsRun(job),
        ),
      );
      processor.worker.on('failed', (job: Job | undefined) => {
        if (!job) return;
        this.jobDuration.observe({ queue, job: job.name, outcome: 'failed' }, secondsRun(job));
        const gaveUp = job.attemptsMade >= (job.opts.attempts ?? 1);
        this.jobFailures.inc({ queue, job: job.name, gave_up: String(gaveUp) });
      });
    }
  }

  /** A screen caused by a change has written its determinations: how long since the change was committed. */
  changeScreened(cause: string, changedAt: string): void {
    const seconds = (Date.now() - Date.parse(changedAt)) / 1000;
    // "status:withdrawn" and the like count as "status": one series per kind of change.
    if (Number.isFinite(seconds) && seconds >= 0)
      this.changeToDetermination.observe({ cause: cause.split(':')[0] }, seconds);
  }
}

function secondsRun(job: Job): number {
  return job.processedOn && job.finishedOn ? Math.max(0, (job.finishedOn - job.processedOn) / 1000) : 0;
}
