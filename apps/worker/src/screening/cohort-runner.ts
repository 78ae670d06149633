import { Inject, Injectable } from '@nestjs/common';
import { Environment } from '@registry/config';
import { WebhookEventType } from '@registry/domain';
import {
  FinishedRun,
  ScreeningPartition,
  ScreeningRepository,
  ScreeningRunRepository,
  Transactions,
  Tx,
  UnfinishedRun,
  WebhookRepository,
} from '@registry/persistence';
import { Clock } from '@registry/platform';
import { setImmediate } from 'node:timers/promises';
import type { JobOutcome } from '../runtime/queue-processor';
import { batchLockingAfter } from './lock-policy';
import { partitionCount, partitionRanges } from './partitions';
import {
  BatchLocking,
  CohortBatch,
  ScreenableTrial,
  ScreeningOutcome,
  ScreeningService,
} from './screening.service';

/** A batch found its partition's cursor moved by another job; the batch is rolled back (see `advance`). */
export class PartitionMovedError extends Error {
  constructor() {
    super("the partition's cursor moved: another job walks it");
  }
}

/** The runs walked together, with what each batch needs to know about them. */
interface CohortWalk {
  runIds: string[];
  trials: ScreenableTrial[];
  siteTimeZones: ReadonlyMap<string, string>;
  /**
   * A site's daily re-screen: only the participants whose determination for one of the trials could have
   * changed with time (its time-change day has come) are walked. A data change screens its participant on
   * its own; a criteria change or a site joining walks everyone.
   */
  dueOnly: boolean;
}

/** The sites whose participants the runs screen: each run's own site, or else every site of its trial. */
function sitesWalked(runs: readonly UnfinishedRun[], trials: readonly ScreenableTrial[]): string[] {
  const sites = new Set<string>();
  for (const run of runs) {
    const trialSites = trials.find((trial) => trial.id === run.trialId)!.siteIds;
    if (run.siteId === null) trialSites.forEach((site) => sites.add(site));
    else if (trialSites.has(run.siteId)) sites.add(run.siteId);
  }
  return [...sites];
}

/**
 * Screens the cohort for one or more screening runs in batches, each participant loaded once for all the
 * runs' trials.
 *
 * A run (the runs one `run-screening` job walks together, named by the first of them) is split into
 * partitions by participant id range when that job first takes it: one per SCREENING_PARTITION_SIZE
 * participants walked, at most SCREENING_PARTITIONS, with bounds chosen from the data so each holds about
 * as many people. One partition is walked by the run's own job, as an unsplit run was; several are each a
 * `run-screening-partition` job, which any worker takes, so several workers share the run.
 *
 * A partition's cursor is committed in the same transaction as each batch's determinations (with the runs'
 * `done`, which so sums the partitions' batches), so a worker killed mid-partition (its job then stalls and is
 * picked up again) continues after the last committed batch and evaluates no one twice; a job that finds the
 * cursor moved by another rolls its batch back. The last partition to finish ends the runs and announces
 * them, once: partitions finishing together take turns on the runs' row locks.
 */
@Injectable()
export class CohortRunner {
  constructor(
    private readonly screening: ScreeningService,
    private readonly transactions: Transactions,
    private readonly runs: ScreeningRunRepository,
    private readonly screeningReads: ScreeningRepository,
    private readonly webhooks: WebhookRepository,
    private readonly clock: Clock,
    @Inject(Environment) private readonly config: Environment,
  ) {}

  /**
   * Takes a run (`run-screening`): splits it into partitions the first time (into one, the common case, by
   * one statement; into several under the run's row lock, so that it is split once), then walks its one
   * partition to the run's end, or has `enqueuePartitions` queue its unfinished partitions' jobs (again, on
   * a retry: their job ids make that a no-op). `reportProgress` hears of each committed batch.
   */
  async run(
    runIds: string[],
    reportProgress: (progress: { cursor: string }) => Promise<unknown>,
    enqueuePartitions: (partitionIds: string[]) => Promise<unknown>,
  ): Promise<JobOutcome> {
    const taken = await this.take(runIds);
    if ('status' in taken) return taken;
    const { walk, walked } = taken;
    const parts = partitionCount(walked, {
      most: this.config.SCREENING_PARTITIONS,
      size: this.config.SCREENING_PARTITION_SIZE,
    });
    const partitions =
      parts === 1
        ? await this.transactions.read((pool) => this.runs.oneOrExistingPartitions(pool, runIds[0]))
        : await this.transactions.run(async (tx) => {
            const existing = await this.runs.lockPartitions(tx, runIds[0]);
            if (existing.length > 0) return existing;
            const bounds = await this.screening.cohortPartitionBounds(
              tx,
              walk.trials,
              walk.siteTimeZones,
              walk.dueOnly,
              parts,
            );
            return this.runs.createPartitions(tx, runIds[0], partitionRanges(bounds));
          });
    if (partitions.length === 1) {
      if (partitions[0].finished) return { status: 'skipped', detail: { reason: 'partition finished' } };
      const screened = await this.walkPartition(walk, runIds, partitions[0], reportProgress, true);
      return { status: 'done', detail: { screened, runs: walk.runIds.length } };
    }
    const open = partitions.filter((partition) => !partition.finished).map((partition) => partition.id);
    await enqueuePartitions(open);
    return {
      status: 'done',
      detail: { partitions: partitions.length, queued: open.length, runs: walk.runIds.length },
    };
  }

  /** Walks one partition of a run (`run-screening-partition`), and ends the runs if it is the last. */
  async runPartition(
    runIds: string[],
    partitionId: string,
    reportProgress: (progress: { cursor: string }) => Promise<unknown>,
  ): Promise<JobOutcome> {
    const taken = await this.take(runIds);
    if ('status' in taken) return taken;
    const partition = await this.transactions.read((pool) => this.runs.partition(pool, partitionId));
    if (!partition) return { status: 'skipped', detail: { reason: 'partition not found' } };
    if (partition.finished) return { status: 'skipped', detail: { reason: 'partition finished' } };
    const screened = await this.walkPartition(taken.walk, runIds, partition, reportProgress);
    return {
      status: 'done',
      detail: { screened, partition: partition.ordinal, runs: taken.walk.runIds.length },
    };
  }

  /**
   * The runs still to walk and how: those unfinished whose trial still recruits at the criteria version they
   * screen for (the others are ended here), and how many participants they walk at most (the largest of
   * their totals). A job outcome instead when nothing is left to walk.
   */
  private async take(runIds: string[]): Promise<{ walk: CohortWalk; walked: number } | JobOutcome> {
    const runs = await this.transactions.read((pool) => this.runs.unfinished(pool, runIds));
    if (runs.length === 0) return { status: 'skipped', detail: { reason: 'runs finished or not found' } };
    const trials = await this.screening.recruitingTrials(
      undefined,
      runs.map((run) => run.trialId),
    );
    const current = runs.filter((run) =>
      trials.some((t) => t.id === run.trialId && t.criteriaVersion === run.criteriaVersion),
    );
    const superseded = runs.filter((run) => !current.includes(run)).map((run) => run.id);
    // Ending runs commits on its own, outside any batch's transaction (unlike a batch's cursor, which commits
    // with the batch's writes).
    if (superseded.length > 0) await this.transactions.read((pool) => this.runs.abandon(pool, superseded));
    if (current.length === 0)
      return { status: 'skipped', detail: { reason: 'trials no longer recruiting or criteria superseded' } };

    const runTrials = trials.filter((t) => current.some((run) => run.trialId === t.id));
    const walk: CohortWalk = {
      runIds: current.map((run) => run.id),
      trials: runTrials,
      siteTimeZones: await this.transactions.read((pool) =>
        this.screeningReads.siteTimeZones(pool, sitesWalked(current, runTrials)),
      ),
      dueOnly: current.every((run) => run.dailyRescreenId !== null),
    };
    return { walk, walked: Math.max(...current.map((run) => run.total)) };
  }

  /**
   * Walks a partition from after its committed cursor to its end, then ends it, and the runs with it when it
   * was the last: in one transaction, so that a run ends exactly when its last partition does. Returns how
   * many participants were screened.
   */
  private async walkPartition(
    walk: CohortWalk,
    runIds: readonly string[],
    partition: ScreeningPartition,
    reportProgress: (progress: { cursor: string }) => Promise<unknown>,
    alone = false,
  ): Promise<number> {
    const screened = await this.walk(walk, partition, reportProgress);
    await this.transactions.run(async (tx) => {
      const open = await this.runs.finishPartition(tx, partition.id, runIds, alone);
      if (open !== 0) return;
      const finished = await this.runs.complete(tx, walk.runIds);
      await this.announceFinished(tx, finished);
    });
    return screened;
  }

  /**
   * Tells the trials' sponsor organisations, by webhook, that a cohort run of their trial finished (a criteria
   * change, recruiting started, a site joined). Not a site's daily re-screen: one a day per site and trial
   * would bury the ones that matter. No count is sent (they would need disclosure control; the pool has them).
   */
  private async announceFinished(tx: Tx, finished: readonly FinishedRun[]): Promise<void> {
    const announced = finished.filter((run) => run.dailyRescreenId === null);
    if (announced.length === 0) return;
    const organisationOf = await this.webhooks.trialOrganisations(
      tx,
      announced.map((run) => run.trialId),
    );
    const at = this.clock.now();
    for (const run of announced)
      await this.webhooks.publish(tx, {
        organisationId: organisationOf.get(run.trialId)!,
        type: WebhookEventType.ScreeningRunFinished,
        occurredAt: at,
        data: { trialId: run.trialId, criteriaVersion: run.criteriaVersion, cause: run.cause, runId: run.id },
      });
  }

  /**
   * Walks a partition of the cohort from after its cursor (or its start) through its end, batch by batch;
   * returns how many participants were screened.
   *
   * Batches overlap in two ways. The next batch is read while this one is judged: its statement is sent
   * before judging starts, so PostgreSQL and this process work at once. And up to
   * SCREENING_BATCHES_IN_FLIGHT batches write at once, each in its own transaction, committing in order
   * (each commits only after the one before it), so the committed cursor never passes a batch that did not
   * commit.
   */
  private async walk(
    walk: CohortWalk,
    partition: ScreeningPartition,
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
        { after, through: partition.throughId, limit: batchSize, dueOnly: walk.dueOnly },
        locking,
      );
      // Observed when awaited; never an unhandled rejection while another batch is awaited.
      loading.catch(() => undefined);
      return loading;
    };
    let screened = 0;
    // Where the partition's committed cursor stands when the next batch commits (see `advance`).
    let committed = partition.cursor;
    const inFlight: { outcome: Promise<ScreeningOutcome>; last: string }[] = [];
    const settleOldest = async () => {
      const { outcome, last } = inFlight.shift()!;
      locking = batchLockingAfter(await outcome, batchSize);
      await reportProgress({ cursor: last });
    };
    try {
      let next = loadBatchAfter(partition.cursor ?? partition.afterId);
      for (;;) {
        const batch = await next;
        if (batch.participants.length === 0) break;
        const last = batch.participants[batch.participants.length - 1].participantId;
        next = loadBatchAfter(last);
        // Let the next batch's statement reach PostgreSQL before this one is judged (synchronous work).
        await setImmediate();
        // The batch started before this one, if it is still in flight.
        const outcome = this.screenBatch(
          walk,
          batch,
          locking,
          { partitionId: partition.id, from: committed, cursor: last },
          inFlight.at(-1)?.outcome,
        );
        committed = last;
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
   * Screens one batch in its own transaction, which also moves the partition's cursor past it (from where
   * the batch before, `committedBefore`, left it, once that has committed) and counts it done for the runs.
   * Judging then locking, a batch read whole ahead is judged unlocked before the transaction opens
   * (`locking` may have changed since the batch was read).
   */
  private screenBatch(
    walk: CohortWalk,
    batch: CohortBatch,
    locking: BatchLocking,
    moves: { partitionId: string; from: string | null; cursor: string },
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
    return this.transactions.run(async (tx) => {
      const outcome = await this.screening.screenIn(
        tx,
        batch.participants.map((participant) => participant.participantId),
        { trials: walk.trials, locking, prejudged, dataChanged: false },
      );
      await committedBefore;
      const moved = await this.runs.advance(tx, walk.runIds, {
        trialIds: walk.trials.map((t) => t.id),
        done: doneInBatch,
        screened: batch.participants.length,
        ...moves,
      });
      // Another job walks this partition too (a stalled job handed out while its worker still ran): roll
      // this batch back rather than judge anyone twice; the job's retry resumes from the cursor as it stands.
      if (!moved) throw new PartitionMovedError();
      return outcome;
    });
  }
}
