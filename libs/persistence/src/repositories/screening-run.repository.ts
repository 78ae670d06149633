import { Injectable } from '@nestjs/common';
import { ScreeningRunEntity } from '../entities/eligibility.entity';
import { DailyRescreenScope, startScreeningRuns, TrialToScreen } from '../screening/start-screening-runs';
import type { Tx } from './transactions';

/** A screening run not yet finished, as a cohort walk resumes it. */
export interface UnfinishedRun {
  id: string;
  trialId: string;
  /** The criteria version the run screens for (superseded when the trial's has moved on). */
  criteriaVersion: number;
  /** Only this site's participants (a site's daily re-screen); null: every site of the trial. */
  siteId: string | null;
  /** The site's daily re-screen the run belongs to; null for a criteria change or a site joining. */
  dailyRescreenId: string | null;
  /** The participants it counts: its cohort (its trial's sites, or the site's due ones) when it started. */
  total: number;
}

/** A participant id range of the runs walked together (see ScreeningPartitionEntity). */
export interface ScreeningPartition {
  id: string;
  /** The first of the runs walked together. */
  runId: string;
  ordinal: number;
  /** The range starts after this id (null: at the first) and ends with `throughId` (null: at the last). */
  afterId: string | null;
  throughId: string | null;
  /** The last participant id screened; null before the first batch committed. */
  cursor: string | null;
  finished: boolean;
}

/** A range to split a walk into: after `afterId` (null: from the first) through `throughId` (null: to the last). */
export interface PartitionRange {
  afterId: string | null;
  throughId: string | null;
}

/** A run just ended. */
export interface FinishedRun {
  id: string;
  trialId: string;
  criteriaVersion: number;
  cause: string;
  dailyRescreenId: string | null;
}

/** Participants screened by one batch of a partition, per trial of the runs walked together. */
export interface BatchProgress {
  trialIds: readonly string[];
  /** How many of the batch each trial's runs count, by the index in `trialIds`. */
  done: readonly number[];
  partitionId: string;
  /** The partition's cursor the batch follows (null: the partition's first batch). */
  from: string | null;
  /** The last participant id of the batch. */
  cursor: string;
  /** Participants in the batch. */
  screened: number;
}

const PARTITION_COLUMNS = `id, run_id, ordinal, after_id, through_id, cursor, finished_at IS NOT NULL AS finished`;

interface PartitionRow {
  id: string;
  run_id: string;
  ordinal: number;
  after_id: string | null;
  through_id: string | null;
  cursor: string | null;
  finished: boolean;
}

const partitionOf = (row: PartitionRow): ScreeningPartition => ({
  id: row.id,
  runId: row.run_id,
  ordinal: row.ordinal,
  afterId: row.after_id,
  throughId: row.through_id,
  cursor: row.cursor,
  finished: row.finished,
});

/** Screening runs: one walk of a trial's cohort (or a site's, for its daily re-screen) and its progress. */
@Injectable()
export class ScreeningRunRepository {
  /** Creates the runs and the event that starts them, in the caller's transaction; returns the run ids. */
  start(
    tx: Tx,
    trials: readonly TrialToScreen[],
    cause: string,
    dailyRescreen?: DailyRescreenScope,
  ): Promise<string[]> {
    return startScreeningRuns(tx, trials, cause, dailyRescreen);
  }

  /** A run of the trial (its progress), or null when the trial has no run with that id. */
  findOfTrial(tx: Tx, trialId: string, runId: string): Promise<ScreeningRunEntity | null> {
    return tx.findOneBy(ScreeningRunEntity, { id: runId, trialId });
  }

  /** The runs of `runIds` not finished yet, in id order. */
  async unfinished(tx: Tx, runIds: readonly string[]): Promise<UnfinishedRun[]> {
    const runs = await tx.query<
      {
        id: string;
        trial_id: string;
        criteria_version: number;
        site_id: string | null;
        daily_rescreen_id: string | null;
        total: number;
      }[]
    >(
      `SELECT id, trial_id, criteria_version, site_id, daily_rescreen_id, total FROM screening_run
        WHERE id = ANY($1::uuid[]) AND finished_at IS NULL ORDER BY id`,
      [runIds],
    );
    return runs.map((run) => ({
      id: run.id,
      trialId: run.trial_id,
      criteriaVersion: run.criteria_version,
      siteId: run.site_id,
      dailyRescreenId: run.daily_rescreen_id,
      total: run.total,
    }));
  }

  /** Ends runs with nothing left to screen for (their trial stopped recruiting or its criteria moved on). */
  async abandon(tx: Tx, runIds: readonly string[]): Promise<void> {
    await tx.query(`UPDATE screening_run SET finished_at = now() WHERE id = ANY($1::uuid[])`, [runIds]);
  }

  /**
   * Ends runs walked to their end, all of their cohort counted done; returns the runs this call ended (none
   * when a retried job ends them again).
   */
  async complete(tx: Tx, runIds: readonly string[]): Promise<FinishedRun[]> {
    const [rows] = await tx.query<
      [
        {
          id: string;
          trial_id: string;
          criteria_version: number;
          cause: string;
          daily_rescreen_id: string | null;
        }[],
        number,
      ]
    >(
      `UPDATE screening_run SET finished_at = now(), done = total
        WHERE id = ANY($1::uuid[]) AND finished_at IS NULL
        RETURNING id, trial_id, criteria_version, cause, daily_rescreen_id`,
      [runIds],
    );
    return rows.map((row) => ({
      id: row.id,
      trialId: row.trial_id,
      criteriaVersion: row.criteria_version,
      cause: row.cause,
      dailyRescreenId: row.daily_rescreen_id,
    }));
  }

  /**
   * The partitions of the runs walked together (named by `runId`, the first of them), in order, read under
   * the run's row lock: a caller that finds none creates them (`createPartitions`) before the lock goes, so
   * a run is split once however many jobs take it at once.
   */
  async lockPartitions(tx: Tx, runId: string): Promise<ScreeningPartition[]> {
    await tx.query(`SELECT 1 FROM screening_run WHERE id = $1 FOR UPDATE`, [runId]);
    const rows = await tx.query<PartitionRow[]>(
      `SELECT ${PARTITION_COLUMNS} FROM screening_partition WHERE run_id = $1 ORDER BY ordinal`,
      [runId],
    );
    return rows.map(partitionOf);
  }

  /**
   * The runs walked together (named by `runId`) as one partition, unless they were split already: their
   * partitions, in order. One statement, without the run's lock (a run of one partition, the common case,
   * costs one round trip): the unique keys on the first partition and on ordinals make a split made meanwhile
   * win, and it is read then.
   */
  async oneOrExistingPartitions(tx: Tx, runId: string): Promise<ScreeningPartition[]> {
    const created = await tx.query<PartitionRow[]>(
      `INSERT INTO screening_partition (run_id, ordinal) VALUES ($1, 0) ON CONFLICT DO NOTHING
       RETURNING ${PARTITION_COLUMNS}`,
      [runId],
    );
    if (created.length > 0) return created.map(partitionOf);
    const rows = await tx.query<PartitionRow[]>(
      `SELECT ${PARTITION_COLUMNS} FROM screening_partition WHERE run_id = $1 ORDER BY ordinal`,
      [runId],
    );
    return rows.map(partitionOf);
  }

  /** Splits the runs walked together (named by `runId`) into these ranges, in order. */
  async createPartitions(
    tx: Tx,
    runId: string,
    ranges: readonly PartitionRange[],
  ): Promise<ScreeningPartition[]> {
    const rows = await tx.query<PartitionRow[]>(
      `INSERT INTO screening_partition (run_id, ordinal, after_id, through_id)
       SELECT $1, r.ordinal - 1, r.after_id, r.through_id
         FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS r(after_id, through_id, ordinal)
       RETURNING ${PARTITION_COLUMNS}`,
      [runId, ranges.map((range) => range.afterId), ranges.map((range) => range.throughId)],
    );
    return rows.map(partitionOf).sort((a, b) => a.ordinal - b.ordinal);
  }

  /** A partition, or null when there is none with that id. */
  async partition(tx: Tx, partitionId: string): Promise<ScreeningPartition | null> {
    const [row] = await tx.query<PartitionRow[]>(
      `SELECT ${PARTITION_COLUMNS} FROM screening_partition WHERE id = $1`,
      [partitionId],
    );
    return row ? partitionOf(row) : null;
  }

  /**
   * Moves a partition's cursor past a batch and counts the batch's participants of each run's trial done.
   * Only from where the batch started (`batch.from`): false, with nothing changed, when the cursor is
   * elsewhere (another job walks the partition too; the caller rolls its batch back).
   *
   * The runs' rows are locked in id order before they are updated: batches of several partitions update the
   * same runs, and two transactions locking them in different orders could deadlock.
   */
  async advance(tx: Tx, runIds: readonly string[], batch: BatchProgress): Promise<boolean> {
    const [, moved] = await tx.query<[unknown[], number]>(
      `UPDATE screening_partition SET cursor = $2, screened = screened + $4
        WHERE id = $1 AND cursor IS NOT DISTINCT FROM $3::text AND finished_at IS NULL`,
      [batch.partitionId, batch.cursor, batch.from, batch.screened],
    );
    if (moved !== 1) return false;
    await tx.query(
      `WITH locked AS (SELECT id FROM screening_run WHERE id = ANY($3::uuid[]) ORDER BY id FOR UPDATE)
       UPDATE screening_run r SET done = least(r.total, r.done + b.done)
         FROM unnest($1::uuid[], $2::int[]) AS b(trial_id, done), locked
        WHERE r.id = locked.id AND r.trial_id = b.trial_id`,
      [batch.trialIds, batch.done, runIds],
    );
    return true;
  }

  /**
   * Ends a partition walked to its end; returns how many partitions of its runs are left unfinished, or null
   * when it had already ended (another job's). With the runs' rows locked, in id order, until the caller
   * commits: the last two partitions of a run finishing at once take turns, so the second sees the first
   * ended, and the runs end exactly once. `alone`: the caller knows the partition is its runs' only one
   * (0 is then the answer, with no lock or count needed).
   */
  async finishPartition(
    tx: Tx,
    partitionId: string,
    runIds: readonly string[],
    alone = false,
  ): Promise<number | null> {
    // An UPDATE answers its rows and their count.
    const [[ended]] = await tx.query<[{ run_id: string }[], number]>(
      `UPDATE screening_partition SET finished_at = now() WHERE id = $1 AND finished_at IS NULL RETURNING run_id`,
      [partitionId],
    );
    if (!ended) return null;
    if (alone) return 0;
    await tx.query(`SELECT 1 FROM screening_run WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [
      [...new Set([ended.run_id, ...runIds])],
    ]);
    const [{ open }] = await tx.query<{ open: number }[]>(
      `SELECT count(*)::int AS open FROM screening_partition WHERE run_id = $1 AND finished_at IS NULL`,
      [ended.run_id],
    );
    return open;
  }
}
