import type { DailyRescreenScope, ScreeningRunRepository, TrialToScreen, Tx } from '@registry/persistence';
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
}
