import { Injectable } from '@nestjs/common';
import { ScreeningRunEntity } from '../entities/eligibility.entity';
import { DailyRescreenScope, startScreeningRuns, TrialToScreen } from '../screening/start-screening-runs';
import type { Tx } from './transactions';

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
}
