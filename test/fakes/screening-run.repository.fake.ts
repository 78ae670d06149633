import type {
  DailyRescreenScope,
  ScreeningRunEntity,
  ScreeningRunRepository,
  TrialToScreen,
  Tx,
} from '@registry/persistence';
import { fakeId, Public } from './public';

export class FakeScreeningRunRepository implements Public<ScreeningRunRepository> {
  readonly started: {
    runId: string;
    trial: TrialToScreen;
    cause: string;
    dailyRescreen?: DailyRescreenScope;
  }[] = [];

  start(
    _tx: Tx,
    trials: readonly TrialToScreen[],
    cause: string,
    dailyRescreen?: DailyRescreenScope,
  ): Promise<string[]> {
    const runs = trials.map((trial) => ({ runId: fakeId(), trial, cause, dailyRescreen }));
    this.started.push(...runs);
    return Promise.resolve(runs.map((run) => run.runId));
  }

  /** A started run as the API reads it back: nobody has walked it yet. */
  findOfTrial(_tx: Tx, trialId: string, runId: string): Promise<ScreeningRunEntity | null> {
    const run = this.started.find((started) => started.runId === runId && started.trial.id === trialId);
    return Promise.resolve(
      run
        ? {
            id: run.runId,
            trialId,
            criteriaVersion: run.trial.criteriaVersion,
            siteId: run.dailyRescreen?.siteId ?? null,
            dailyRescreenId: run.dailyRescreen?.dailyRescreenId ?? null,
            cause: run.cause,
            total: 0,
            done: 0,
            cursor: null,
            startedAt: new Date(0),
            finishedAt: null,
          }
        : null,
    );
  }
}
