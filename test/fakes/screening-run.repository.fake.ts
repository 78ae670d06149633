import type {
  BatchProgress,
  DailyRescreenScope,
  FinishedRun,
  PartitionRange,
  ScreeningPartition,
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
  /** Partitions by id (split by a run's job, or added by the test with `addPartition`). */
  readonly partitions = new Map<string, ScreeningPartition & { screened: number }>();
  /** Which transaction locked the runs, each time partitions were looked up or one finished. */
  readonly runLocks: { runIds: readonly string[]; tx: Tx }[] = [];

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
            startedAt: new Date(0),
            finishedAt: progress.finishedAt,
          }
        : null,
    );
  }

  /** Stores a run to be walked, not started yet (see `addPartition` for one under way). */
  add(fields: Pick<UnfinishedRun, 'trialId' | 'criteriaVersion'> & Partial<FakeRun>): FakeRun {
    const run: FakeRun = {
      id: fakeId(),
      siteId: null,
      dailyRescreenId: null,
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
        .map(({ id, trialId, criteriaVersion, siteId, dailyRescreenId, total }) => ({
          id,
          trialId,
          criteriaVersion,
          siteId,
          dailyRescreenId,
          total,
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

  /** A partition of the runs named by `runId`, as a split made earlier left it. */
  addPartition(
    fields: Pick<ScreeningPartition, 'runId' | 'ordinal'> & Partial<ScreeningPartition>,
  ): ScreeningPartition & { screened: number } {
    const partition = {
      id: fakeId(),
      afterId: null,
      throughId: null,
      cursor: null,
      finished: false,
      screened: 0,
      ...fields,
    };
    this.partitions.set(partition.id, partition);
    return partition;
  }

  private partitionsOf(runId: string) {
    return [...this.partitions.values()]
      .filter((partition) => partition.runId === runId)
      .sort((a, b) => a.ordinal - b.ordinal);
  }

  lockPartitions(tx: Tx, runId: string): Promise<ScreeningPartition[]> {
    this.runLocks.push({ runIds: [runId], tx });
    return Promise.resolve(this.partitionsOf(runId).map((partition) => ({ ...partition })));
  }

  oneOrExistingPartitions(_tx: Tx, runId: string): Promise<ScreeningPartition[]> {
    if (this.partitionsOf(runId).length === 0) this.addPartition({ runId, ordinal: 0 });
    return Promise.resolve(this.partitionsOf(runId).map((partition) => ({ ...partition })));
  }

  createPartitions(_tx: Tx, runId: string, ranges: readonly PartitionRange[]): Promise<ScreeningPartition[]> {
    if (this.partitionsOf(runId).length > 0) throw new Error(`run ${runId} is split already`);
    ranges.forEach((range, ordinal) => this.addPartition({ runId, ordinal, ...range }));
    return Promise.resolve(this.partitionsOf(runId).map((partition) => ({ ...partition })));
  }

  partition(_tx: Tx, partitionId: string): Promise<ScreeningPartition | null> {
    const partition = this.partitions.get(partitionId);
    return Promise.resolve(partition ? { ...partition } : null);
  }

  advance(tx: Tx, runIds: readonly string[], batch: BatchProgress): Promise<boolean> {
    const partition = this.partitions.get(batch.partitionId);
    if (!partition || partition.finished || partition.cursor !== batch.from) return Promise.resolve(false);
    this.advances.push({ runIds, batch, tx });
    partition.cursor = batch.cursor;
    partition.screened += batch.screened;
    for (const id of runIds) {
      const run = this.runs.get(id);
      const index = run ? batch.trialIds.indexOf(run.trialId) : -1;
      if (!run || index < 0) continue;
      run.done = Math.min(run.total, run.done + batch.done[index]);
    }
    return Promise.resolve(true);
  }

  finishPartition(
    tx: Tx,
    partitionId: string,
    runIds: readonly string[],
    alone = false,
  ): Promise<number | null> {
    const partition = this.partitions.get(partitionId);
    if (!partition || partition.finished) return Promise.resolve(null);
    partition.finished = true;
    if (alone) {
      if (this.partitionsOf(partition.runId).length !== 1) throw new Error('not the only partition');
      return Promise.resolve(0);
    }
    this.runLocks.push({ runIds, tx });
    return Promise.resolve(this.partitionsOf(partition.runId).filter((p) => !p.finished).length);
  }
}
