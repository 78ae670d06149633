import { InjectQueue, Processor } from '@nestjs/bullmq';
import { JOB_OPTIONS, JobName, QueueName, runScreeningPartitionJobId } from '@registry/jobs';
import { Queue } from 'bullmq';
import { JobHandlers, QueueProcessor } from '../runtime/queue-processor';
import { WorkerMetrics } from '../runtime/worker-metrics';
import { screeningWorkerOptions } from '../runtime/worker-options';
import { CohortRunner } from './cohort-runner';
import { DailyRescreenService } from './daily-rescreen.service';
import { ScreeningService } from './screening.service';

@Processor(QueueName.Screening, screeningWorkerOptions())
export class ScreeningProcessor extends QueueProcessor {
  constructor(
    private readonly screening: ScreeningService,
    private readonly cohort: CohortRunner,
    private readonly dailyRescreens: DailyRescreenService,
    private readonly metrics: WorkerMetrics,
    @InjectQueue(QueueName.Screening) private readonly queue: Queue,
  ) {
    super();
  }

  readonly handlers: JobHandlers = {
    [JobName.ScreenParticipant]: async (job) => {
      const outcome = await this.screening.screen([job.data.participantId]);
      if (job.data.cause && job.data.changedAt && outcome.evaluated > 0)
        this.metrics.changeScreened(job.data.cause, job.data.changedAt);
      return { status: outcome.evaluated > 0 ? 'done' : 'skipped', detail: { ...outcome } };
    },

    /**
     * A cohort re-screen for one or more screening runs (see CohortRunner): walked here when it is one
     * partition, else split into partition jobs that any worker takes.
     */
    [JobName.RunScreening]: (job) =>
      this.cohort.run(
        job.data.runIds,
        (progress) => job.updateProgress(progress),
        (partitionIds) =>
          this.queue.addBulk(
            partitionIds.map((partitionId) => ({
              name: JobName.RunScreeningPartition,
              data: { runIds: job.data.runIds, partitionId },
              opts: {
                ...JOB_OPTIONS[JobName.RunScreeningPartition],
                jobId: runScreeningPartitionJobId(partitionId),
              },
            })),
          ),
      ),

    /** One participant id range of a split cohort run; the last to finish ends the runs. */
    [JobName.RunScreeningPartition]: (job) =>
      this.cohort.runPartition(job.data.runIds, job.data.partitionId, (progress) =>
        job.updateProgress(progress),
      ),

    /**
     * Frequent (see JOB_SCHEDULES): starts the daily re-screen of each site whose day has reached
     * DAILY_RESCREEN_LOCAL_TIME; a retry or a second worker starts nothing twice.
     */
    [JobName.StartDailyRescreens]: async () => {
      const started = await this.dailyRescreens.startDue();
      return started.length > 0
        ? { status: 'done', detail: { started } }
        : { status: 'skipped', detail: { reason: 'no site has a daily re-screen due' } };
    },
  };
}
