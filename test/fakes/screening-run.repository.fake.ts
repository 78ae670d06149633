import type {
  BatchProgress,
  DailyRescreenScope,
  FinishedRun,
  ScreeningRunEntity,
  ScreeningRunRepository,
  TrialToScreen,
  Tx,
  UnfinishedRun,
} from '@registry/persistence';
import { fakeId, Public } from './public';

/** A screening run as the fake keeps it: where its walk stands and whether it finished. */
export interface FakeRun extends UnfinishedRun {
  done: number;
  total: number;
  finished: boolean;
  /** Why the run was started (default: a criteria change). */
  cause?: string;
}

export class FakeScreeningRunRepository implements Public<ScreeningRunRepository> {
  readonly started: {
    runId: string;
    trial: TrialToScreen;
    cause: string;
    dailyRescreen?: DailyRescreenScope;
  }[] = [];
  /** Runs a cohort walk reads, by id (added by the test with `add`). */
  readonly runs = new Map<string, FakeRun>();
  /** Each cursor move, in order: a batch's progress. */
  readonly advances: { runIds: readonly string[]; batch: BatchProgress; tx: Tx }[] = [];

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

  /** How far the walk of a started run has gone, as a test sets it; a run not listed is 0 of 0. */
  readonly progress = new Map<string, { done: number; total: number; finishedAt: Date | null }>();

  /** A started run as the API reads it back, with its progress as the test set it. */
  findOfTrial(_tx: Tx, trialId: string, runId: string): Promise<ScreeningRunEntity | null> {
    // PostgreSQL compares uuids whatever the case of their letters.
    const run = this.started.find(
      (started) => started.runId.toLowerCase() === runId.toLowerCase() && started.trial.id === trialId,
    );
    const progress = (run && this.progress.get(run.runId)) ?? { done: 0, total: 0, finishedAt: null };
    return Promise.resolve(
      run
        ? {
            id: run.runId,
            trialId,
            criteriaVersion: run.trial.criteriaVersion,
            siteId: run.dailyRescreen?.siteId ?? null,
            dailyRescreenId: run.dailyRescreen?.dailyRescreenId ?? null,
            cause: run.cause,
            total: progress.total,
            done: progress.done,
            cursor: null,
            startedAt: new Date(0),
            finishedAt: progress.finishedAt,
          }
        : null,
    );
  }

  /** Stores a run to be walked, not started yet unless `cursor` is given. */
  add(fields: Pick<UnfinishedRun, 'trialId' | 'criteriaVersion'> & Partial<FakeRun>): FakeRun {
    const run: FakeRun = {
      id: fakeId(),
      siteId: null,
      dailyRescreenId: null,
      cursor: null,
      done: 0,
      total: 0,
      finished: false,
      ...fields,
    };
    this.runs.set(run.id, run);
    return run;
  }

  unfinished(_tx: Tx, runIds: readonly string[]): Promise<UnfinishedRun[]> {
    return Promise.resolve(
      [...this.runs.values()]
        .filter((run) => runIds.includes(run.id) && !run.finished)
        .sort((a, b) => a.id.localeCompare(b.id))
        .map(({ id, trialId, criteriaVersion, siteId, dailyRescreenId, cursor }) => ({
          id,
          trialId,
          criteriaVersion,
          siteId,
          dailyRescreenId,
          cursor,
        })),
    );
  }

  abandon(_tx: Tx, runIds: readonly string[]): Promise<void> {
    for (const id of runIds) {
      const run = this.runs.get(id);
      if (run) run.finished = true;
    }
    return Promise.resolve();
  }

  complete(_tx: Tx, runIds: readonly string[]): Promise<FinishedRun[]> {
    const ended: FinishedRun[] = [];
    for (const id of runIds) {
      const run = this.runs.get(id);
      if (!run || run.finished) continue;
      Object.assign(run, { finished: true, done: run.total });
      ended.push({
        id,
        trialId: run.trialId,
        criteriaVersion: run.criteriaVersion,
        cause: run.cause ?? 'criteria_changed',
        dailyRescreenId: run.dailyRescreenId,
      });
    }
    return Promise.resolve(ended);
  }

  advance(tx: Tx, runIds: readonly string[], batch: BatchProgress): Promise<void> {
    this.advances.push({ runIds, batch, tx });
    for (const id of runIds) {
      const run = this.runs.get(id);
      const index = run ? batch.trialIds.indexOf(run.trialId) : -1;
      if (!run || index < 0) continue;
      run.cursor = batch.cursor;
      run.done = Math.min(run.total, run.done + batch.done[index]);
    }
    return Promise.resolve();
  }
}
