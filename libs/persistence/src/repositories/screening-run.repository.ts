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
  /** The last participant id screened; null before the first batch committed. */
  cursor: string | null;
}

/** A run just ended. */
export interface FinishedRun {
  id: string;
  trialId: string;
  criteriaVersion: number;
  cause: string;
  dailyRescreenId: string | null;
}

/** Participants screened by one batch, per trial of the runs walked together. */
export interface BatchProgress {
  trialIds: readonly string[];
  /** How many of the batch each trial's runs count, by the index in `trialIds`. */
  done: readonly number[];
  /** The last participant id of the batch. */
  cursor: string;
}

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
        cursor: string | null;
      }[]
    >(
      `SELECT id, trial_id, criteria_version, site_id, daily_rescreen_id, cursor FROM screening_run
        WHERE id = ANY($1::uuid[]) AND finished_at IS NULL ORDER BY id`,
      [runIds],
    );
    return runs.map((run) => ({
      id: run.id,
      trialId: run.trial_id,
      criteriaVersion: run.criteria_version,
      siteId: run.site_id,
      dailyRescreenId: run.daily_rescreen_id,
      cursor: run.cursor,
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

  /** Moves the runs' cursor past a batch, and counts the batch's participants of each run's trial done. */
  async advance(tx: Tx, runIds: readonly string[], batch: BatchProgress): Promise<void> {
    await tx.query(
      `UPDATE screening_run r SET cursor = $3, done = least(r.total, r.done + b.done)
         FROM unnest($1::uuid[], $2::int[]) AS b(trial_id, done)
        WHERE r.id = ANY($4::uuid[]) AND r.trial_id = b.trial_id`,
      [batch.trialIds, batch.done, batch.cursor, runIds],
    );
  }
}
