import { WorkerHost } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { JobDataByName, JobName } from '@registry/jobs';
import { Job, UnrecoverableError } from 'bullmq';

/** What a handler did: `done` changed something, `skipped` found nothing to do. A failure is thrown. */
export interface JobOutcome {
  status: 'done' | 'skipped';
  detail?: Record<string, unknown>;
}

export type JobHandlers = { [N in JobName]?: (job: Job<JobDataByName[N]>) => Promise<JobOutcome> };

/**
 * Base of every processor: dispatches by job name to one handler, logs what each job did, and on shutdown
 * stops taking jobs and waits for the ones in flight before the database and Redis close.
 */
export abstract class QueueProcessor
  extends WorkerHost
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  protected readonly logger = new Logger(this.constructor.name);

  /** The job names this processor handles; the boot check makes sure each name has exactly one. */
  abstract readonly handlers: JobHandlers;

  async process(job: Job): Promise<JobOutcome> {
    const handler = this.handlers[job.name as JobName] as ((job: Job) => Promise<JobOutcome>) | undefined;
    if (!handler)
      throw new UnrecoverableError(`no handler for job "${job.name}" on queue "${job.queueName}"`);
    const started = Date.now();
    try {
      const outcome = await handler(job);
      this.logger.log({
        msg: 'job finished',
        job: job.name,
        jobId: job.id,
        ms: Date.now() - started,
        status: outcome.status,
        // Not under `detail`: the log redaction blanks that key (database errors quote rows in it).
        outcome: outcome.detail,
      });
      return outcome;
    } catch (error) {
      this.logger.warn({
        msg: 'job failed',
        job: job.name,
        jobId: job.id,
        attempt: job.attemptsMade + 1,
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
  }

  private lastConnectionWarning = 0;

  onApplicationBootstrap(): void {
    // A lost Redis connection surfaces as 'error' events; one structured warning a minute instead of a flood.
    this.worker.on('error', (error: Error) => {
      if (Date.now() - this.lastConnectionWarning < 60_000) return;
      this.lastConnectionWarning = Date.now();
      this.logger.warn({
        msg: 'queue worker connection error',
        queue: this.worker.name,
        error: error.message,
      });
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    // close() stops fetching new jobs and resolves once the active ones have finished.
    await this.worker.close();
  }
}
