import { Processor } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Environment } from '@registry/config';
import { JobName, QueueName } from '@registry/jobs';
import { setImmediate } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { JobHandlers, QueueProcessor } from '../runtime/queue-processor';
import { workerOptions } from '../runtime/worker-options';
import { DailyRescreenService } from './daily-rescreen.service';
import { lockOnlyWhereWritten } from './lock-policy';
import { ScreenableTrial, ScreeningOutcome, ScreeningService } from './screening.service';

interface RunRow {
  id: string;
  trial_id: string;
  criteria_version: number;
  /** Only this site's participants (a site's daily re-screen); null: every site of the trial. */
  site_id: string | null;
  cursor: string | null;
}

/** The sites whose participants the runs screen: each run's own site, or else every site of its trial. */
function sitesWalked(runs: readonly RunRow[], trials: readonly ScreenableTrial[]): string[] {
  const sites = new Set<string>();
  for (const run of runs) {
    const trialSites = trials.find((trial) => trial.id === run.trial_id)!.siteIds;
    if (run.site_id === null) trialSites.forEach((site) => sites.add(site));
    else if (trialSites.has(run.site_id)) sites.add(run.site_id);
  }
  return [...sites];
}

@Processor(QueueName.Screening, workerOptions({ concurrency: 4 }))
export class ScreeningProcessor extends QueueProcessor {
  constructor(
    private readonly screening: ScreeningService,
    private readonly dailyRescreens: DailyRescreenService,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(Environment) private readonly config: Environment,
  ) {
    super();
  }

  readonly handlers: JobHandlers = {
    [JobName.ScreenParticipant]: async (job) => {
      const outcome = await this.screening.screen([job.data.participantId]);
      return { status: outcome.evaluated > 0 ? 'done' : 'skipped', detail: { ...outcome } };
    },

    /**
     * Screens the cohort for one or more runs in batches, each participant loaded once for all the runs'
     * trials. The cursor is committed in the same transaction as each batch's determinations, so a worker
     * killed mid-run (the job then stalls and is picked up again) continues after the last committed batch
     * and evaluates no one twice.
     */
    [JobName.RunScreening]: async (job) => {
      const runs = await this.dataSource.query<RunRow[]>(
        `SELECT id, trial_id, criteria_version, site_id, cursor FROM screening_run
          WHERE id = ANY($1::uuid[]) AND finished_at IS NULL ORDER BY id`,
        [job.data.runIds],
      );
      if (runs.length === 0) return { status: 'skipped', detail: { reason: 'runs finished or not found' } };
      const trials = await this.screening.recruitingTrials(
        undefined,
        runs.map((run) => run.trial_id),
      );
      const current = runs.filter((run) =>
        trials.some((t) => t.id === run.trial_id && t.criteriaVersion === run.criteria_version),
      );
      const superseded = runs.filter((run) => !current.includes(run)).map((run) => run.id);
      if (superseded.length > 0)
        await this.dataSource.query(
          `UPDATE screening_run SET finished_at = now() WHERE id = ANY($1::uuid[])`,
          [superseded],
        );
      if (current.length === 0)
        return {
          status: 'skipped',
          detail: { reason: 'trials no longer recruiting or criteria superseded' },
        };

      const runTrials = trials.filter((t) => current.some((run) => run.trial_id === t.id));
      const runIds = current.map((run) => run.id);
      const siteIds = sitesWalked(current, runTrials);
      const timeZones = await this.dataSource.query<{ id: string; time_zone: string }[]>(
        `SELECT id, time_zone FROM site WHERE id = ANY($1::uuid[])`,
        [siteIds],
      );
      const siteTimeZones = new Map(timeZones.map((site) => [site.id, site.time_zone]));
      // How the last committed batch went decides how the next one locks; see `lockOnlyWhereWritten`.
      let lockOnlyChanged = true;
      // A batch to be judged unlocked is read whole ahead; one to be locked first is only chosen ahead, since
      // it is read again under lock anyway (the first screen of a trial).
      const loadBatchAfter = (after: string | null) => {
        const loading = this.screening.loadCohortBatch(runTrials, siteTimeZones, {
          after,
          limit: this.config.SCREENING_BATCH_SIZE,
          forJudging: lockOnlyChanged,
        });
        // Observed when awaited; never an unhandled rejection while another batch is awaited.
        loading.catch(() => undefined);
        return loading;
      };
      // Runs walked together move together; after a crash the smallest cursor is where all stand.
      const cursor = current.some((run) => run.cursor === null)
        ? null
        : current.map((run) => run.cursor!).sort()[0];
      let screened = 0;
      // Batches overlap in two ways. The next batch is read while this one is judged: its statement is
      // sent before judging starts, so PostgreSQL and this process work at once. And up to
      // SCREENING_BATCHES_IN_FLIGHT batches write at once, each in its own transaction, committing in order
      // (each commits only after the one before it), so the committed cursor never passes a batch that did
      // not commit.
      const inFlight: { outcome: Promise<ScreeningOutcome>; last: string }[] = [];
      const settleOldest = async () => {
        const { outcome, last } = inFlight.shift()!;
        lockOnlyChanged = lockOnlyWhereWritten(await outcome, this.config.SCREENING_BATCH_SIZE);
        await job.updateProgress({ cursor: last });
      };
      try {
        let next = loadBatchAfter(cursor);
        for (;;) {
          const { participants, inputs } = await next;
          if (participants.length === 0) break;
          const batch = participants.map((participant) => participant.participantId);
          const last = batch[batch.length - 1];
          next = loadBatchAfter(last);
          // Let the next batch's statement reach PostgreSQL before this one is judged (synchronous work).
          await setImmediate();
          // Each run counts the participants of its trial's sites. Counted here rather than in the UPDATE:
          // a subquery per run probed the participant index once per participant and run (10,000 probes a
          // batch for ten trials).
          const doneInBatch = runTrials.map(
            (trial) => participants.filter((participant) => trial.siteIds.has(participant.siteId)).length,
          );
          // The batch started before this one, if it is still in flight.
          const committedBefore = inFlight.at(-1)?.outcome;
          const outcome = this.screening.screen(batch, {
            trials: runTrials,
            lockOnlyChanged,
            // Judged as read ahead when few are expected to change; else locked first and read again.
            preloaded: lockOnlyChanged ? inputs : undefined,
            beforeCommit: async (manager) => {
              await committedBefore;
              await manager.query(
                `UPDATE screening_run r SET cursor = $3, done = least(r.total, r.done + b.done)
                   FROM unnest($1::uuid[], $2::int[]) AS b(trial_id, done)
                  WHERE r.id = ANY($4::uuid[]) AND r.trial_id = b.trial_id`,
                [runTrials.map((t) => t.id), doneInBatch, last, runIds],
              );
            },
          });
          // Observed when settled or below; never an unhandled rejection while another batch is awaited.
          outcome.catch(() => undefined);
          inFlight.push({ outcome, last });
          screened += batch.length;
          if (inFlight.length >= this.config.SCREENING_BATCHES_IN_FLIGHT) await settleOldest();
        }
        while (inFlight.length > 0) await settleOldest();
      } catch (error) {
        // Let the batches still in flight settle (they roll back) before the job fails and is retried.
        await Promise.allSettled(inFlight.map((entry) => entry.outcome));
        throw error;
      }
      await this.dataSource.query(
        `UPDATE screening_run SET finished_at = now(), done = total WHERE id = ANY($1::uuid[])`,
        [runIds],
      );
      return { status: 'done', detail: { screened, runs: runIds.length } };
    },

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
