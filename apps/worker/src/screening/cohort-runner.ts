import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Environment } from '@registry/config';
import { setImmediate } from 'node:timers/promises';
import { DataSource, EntityManager } from 'typeorm';
import type { JobOutcome } from '../runtime/queue-processor';
import { batchLockingAfter } from './lock-policy';
import {
  BatchLocking,
  CohortBatch,
  ScreenableTrial,
  ScreeningOutcome,
  ScreeningService,
} from './screening.service';

interface RunRow {
  id: string;
  trial_id: string;
  criteria_version: number;
  /** Only this site's participants (a site's daily re-screen); null: every site of the trial. */
  site_id: string | null;
  cursor: string | null;
}

/** The runs walked together, with what each batch needs to know about them. */
interface CohortWalk {
  runIds: string[];
  trials: ScreenableTrial[];
  siteTimeZones: ReadonlyMap<string, string>;
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

/**
 * Screens the cohort for one or more screening runs in batches, each participant loaded once for all the
 * runs' trials. The cursor is committed in the same transaction as each batch's determinations, so a worker
 * killed mid-run (the job then stalls and is picked up again) continues after the last committed batch and
 * evaluates no one twice.
 */
@Injectable()
export class CohortRunner {
  constructor(
    private readonly screening: ScreeningService,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(Environment) private readonly config: Environment,
  ) {}

  /** Runs the screening runs to their end; `reportProgress` hears of each committed batch. */
  async run(
    runIds: string[],
    reportProgress: (progress: { cursor: string }) => Promise<unknown>,
  ): Promise<JobOutcome> {
    const runs = await this.dataSource.query<RunRow[]>(
      `SELECT id, trial_id, criteria_version, site_id, cursor FROM screening_run
        WHERE id = ANY($1::uuid[]) AND finished_at IS NULL ORDER BY id`,
      [runIds],
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
      await this.dataSource.query(`UPDATE screening_run SET finished_at = now() WHERE id = ANY($1::uuid[])`, [
        superseded,
      ]);
    if (current.length === 0)
      return { status: 'skipped', detail: { reason: 'trials no longer recruiting or criteria superseded' } };

    const runTrials = trials.filter((t) => current.some((run) => run.trial_id === t.id));
    const timeZones = await this.dataSource.query<{ id: string; time_zone: string }[]>(
      `SELECT id, time_zone FROM site WHERE id = ANY($1::uuid[])`,
      [sitesWalked(current, runTrials)],
    );
    const walk: CohortWalk = {
      runIds: current.map((run) => run.id),
      trials: runTrials,
      siteTimeZones: new Map(timeZones.map((site) => [site.id, site.time_zone])),
    };
    // Runs walked together move together; after a crash the smallest cursor is where all stand.
    const cursor = current.some((run) => run.cursor === null)
      ? null
      : current.map((run) => run.cursor!).sort()[0];
    const screened = await this.walk(walk, cursor, reportProgress);
    await this.dataSource.query(
      `UPDATE screening_run SET finished_at = now(), done = total WHERE id = ANY($1::uuid[])`,
      [walk.runIds],
    );
    return { status: 'done', detail: { screened, runs: walk.runIds.length } };
  }

  /**
   * Walks the cohort from after `cursor`, batch by batch; returns how many participants were screened.
   *
   * Batches overlap in two ways. The next batch is read while this one is judged: its statement is sent
   * before judging starts, so PostgreSQL and this process work at once. And up to
   * SCREENING_BATCHES_IN_FLIGHT batches write at once, each in its own transaction, committing in order
   * (each commits only after the one before it), so the committed cursor never passes a batch that did not
   * commit.
   */
  private async walk(
    walk: CohortWalk,
    cursor: string | null,
    reportProgress: (progress: { cursor: string }) => Promise<unknown>,
  ): Promise<number> {
    const batchSize = this.config.SCREENING_BATCH_SIZE;
    // How the last committed batch went decides how the next one locks; see `batchLockingAfter`.
    let locking: BatchLocking = 'judge-then-lock-writers';
    // A batch to be judged unlocked is read whole ahead; one to be locked first is only chosen ahead, since
    // it is read again under lock anyway (the first screen of a trial).
    const loadBatchAfter = (after: string | null) => {
      const loading = this.screening.loadCohortBatch(
        walk.trials,
        walk.siteTimeZones,
        { after, limit: batchSize },
        locking,
      );
      // Observed when awaited; never an unhandled rejection while another batch is awaited.
      loading.catch(() => undefined);
      return loading;
    };
    let screened = 0;
    const inFlight: { outcome: Promise<ScreeningOutcome>; last: string }[] = [];
    const settleOldest = async () => {
      const { outcome, last } = inFlight.shift()!;
      locking = batchLockingAfter(await outcome, batchSize);
      await reportProgress({ cursor: last });
    };
    try {
      let next = loadBatchAfter(cursor);
      for (;;) {
        const batch = await next;
        if (batch.participants.length === 0) break;
        const last = batch.participants[batch.participants.length - 1].participantId;
        next = loadBatchAfter(last);
        // Let the next batch's statement reach PostgreSQL before this one is judged (synchronous work).
        await setImmediate();
        // The batch started before this one, if it is still in flight.
        const outcome = this.screenBatch(walk, batch, locking, last, inFlight.at(-1)?.outcome);
        // Observed when settled or below; never an unhandled rejection while another batch is awaited.
        outcome.catch(() => undefined);
        inFlight.push({ outcome, last });
        screened += batch.participants.length;
        if (inFlight.length >= this.config.SCREENING_BATCHES_IN_FLIGHT) await settleOldest();
      }
      while (inFlight.length > 0) await settleOldest();
    } catch (error) {
      // Let the batches still in flight settle (they roll back) before the job fails and is retried.
      await Promise.allSettled(inFlight.map((entry) => entry.outcome));
      throw error;
    }
    return screened;
  }

  /**
   * Screens one batch in its own transaction, which also moves the runs' cursor past it once the batch
   * before (`committedBefore`) has committed. Judging then locking, a batch read whole ahead is judged
   * unlocked before the transaction opens (`locking` may have changed since the batch was read).
   */
  private screenBatch(
    walk: CohortWalk,
    batch: CohortBatch,
    locking: BatchLocking,
    last: string,
    committedBefore: Promise<unknown> | undefined,
  ): Promise<ScreeningOutcome> {
    const prejudged =
      locking === 'judge-then-lock-writers' && batch.inputs
        ? this.screening.prejudge(batch.inputs, walk.trials)
        : undefined;
    // Each run counts the participants of its trial's sites. Counted here rather than in the UPDATE: a
    // subquery per run probed the participant index once per participant and run.
    const doneInBatch = walk.trials.map(
      (trial) => batch.participants.filter((participant) => trial.siteIds.has(participant.siteId)).length,
    );
    return this.dataSource.transaction(async (manager) => {
      const outcome = await this.screening.screenIn(
        manager,
        batch.participants.map((participant) => participant.participantId),
        { trials: walk.trials, locking, prejudged },
      );
      await committedBefore;
      await this.advanceCursor(manager, walk, doneInBatch, last);
      return outcome;
    });
  }

  private advanceCursor(manager: EntityManager, walk: CohortWalk, doneInBatch: number[], last: string) {
    return manager.query(
      `UPDATE screening_run r SET cursor = $3, done = least(r.total, r.done + b.done)
         FROM unnest($1::uuid[], $2::int[]) AS b(trial_id, done)
        WHERE r.id = ANY($4::uuid[]) AND r.trial_id = b.trial_id`,
      [walk.trials.map((t) => t.id), doneInBatch, last, walk.runIds],
    );
  }
}
