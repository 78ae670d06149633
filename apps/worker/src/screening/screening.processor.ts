import { InjectQueue, Processor } from '@nestjs/bullmq';
import { InjectDataSource } from '@nestjs/typeorm';
import { JobName, QueueName, runTrialScreeningJobId, JOB_OPTIONS } from '@registry/jobs';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { JobHandlers, QueueProcessor } from '../runtime/queue-processor';
import { ScreeningService } from './screening.service';

/** Participants screened per transaction in a cohort re-screen; the run's cursor moves after each batch. */
export const SCREENING_BATCH_SIZE = 500;

@Processor(QueueName.Screening, { concurrency: 4 })
export class ScreeningProcessor extends QueueProcessor {
  constructor(
    private readonly screening: ScreeningService,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.Screening) private readonly queue: Queue,
  ) {
    super();
  }

  readonly handlers: JobHandlers = {
    [JobName.ScreenParticipant]: async (job) => {
      const outcome = await this.screening.screen([job.data.participantId]);
      return { status: outcome.evaluated > 0 ? 'done' : 'skipped', detail: { ...outcome } };
    },

    /**
     * Screens the whole cohort of a trial in batches. The cursor is committed with each batch, so a worker
     * killed mid-run (the job then stalls and is picked up again) continues where the last batch ended.
     */
    [JobName.RunTrialScreening]: async (job) => {
      const [run] = await this.dataSource.query<
        { trial_id: string; criteria_version: number; cursor: string | null; finished_at: Date | null }[]
      >(`SELECT trial_id, criteria_version, cursor, finished_at FROM screening_run WHERE id = $1`, [
        job.data.runId,
      ]);
      if (!run || run.finished_at)
        return { status: 'skipped', detail: { reason: run ? 'run already finished' : 'run not found' } };
      const [trial] = await this.screening.recruitingTrials(undefined, run.trial_id);
      if (!trial || trial.criteriaVersion !== run.criteria_version) {
        await this.dataSource.query(`UPDATE screening_run SET finished_at = now() WHERE id = $1`, [
          job.data.runId,
        ]);
        return { status: 'skipped', detail: { reason: 'trial no longer recruiting or criteria superseded' } };
      }
      let cursor = run.cursor;
      let screened = 0;
      for (;;) {
        const batch = (
          await this.dataSource.query<{ id: string }[]>(
            `SELECT id FROM participant WHERE site_id = ANY($1::uuid[]) AND ($2::text IS NULL OR id > $2) ORDER BY id LIMIT $3`,
            [[...trial.siteIds], cursor, SCREENING_BATCH_SIZE],
          )
        ).map((row) => row.id);
        if (batch.length === 0) break;
        await this.screening.screen(batch, [trial]);
        cursor = batch[batch.length - 1];
        await this.dataSource.query(
          `UPDATE screening_run SET cursor = $2, done = least(total, done + $3) WHERE id = $1`,
          [job.data.runId, cursor, batch.length],
        );
        screened += batch.length;
        await job.updateProgress({ cursor });
      }
      await this.dataSource.query(
        `UPDATE screening_run SET finished_at = now(), done = total WHERE id = $1`,
        [job.data.runId],
      );
      return { status: 'done', detail: { screened } };
    },

    /** Daily: a run per recruiting trial, since age and recency change with time alone. */
    [JobName.RescreenRecruitingTrials]: async () => {
      const trials = await this.screening.recruitingTrials();
      for (const trial of trials) {
        const [run] = await this.dataSource.query<{ id: string }[]>(
          `INSERT INTO screening_run (trial_id, criteria_version, cause, total)
           SELECT $1, $2, 'daily', count(*) FROM participant WHERE site_id = ANY($3::uuid[]) RETURNING id`,
          [trial.id, trial.criteriaVersion, [...trial.siteIds]],
        );
        await this.queue.add(
          JobName.RunTrialScreening,
          { runId: run.id },
          { ...JOB_OPTIONS[JobName.RunTrialScreening], jobId: runTrialScreeningJobId(run.id) },
        );
      }
      return { status: trials.length ? 'done' : 'skipped', detail: { trials: trials.length } };
    },
  };
}
