import { Injectable } from '@nestjs/common';
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
}
