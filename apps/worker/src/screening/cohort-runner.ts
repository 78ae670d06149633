import { Inject, Injectable } from '@nestjs/common';
import { Environment } from '@registry/config';
import { WebhookEventType } from '@registry/domain';
import {
  FinishedRun,
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
import {
  BatchLocking,
  CohortBatch,
  ScreenableTrial,
  ScreeningOutcome,
  ScreeningService,
} from './screening.service';

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
 * runs' trials. The cursor is committed in the same transaction as each batch's determinations, so a worker
 * killed mid-run (the job then stalls and is picked up again) continues after the last committed batch and
 * evaluates no one twice.
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

  /** Runs the screening runs to their end; `reportProgress` hears of each committed batch. */
  async run(
    runIds: string[],
    reportProgress: (progress: { cursor: string }) => Promise<unknown>,
  ): Promise<JobOutcome> {
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
    // Runs walked together move together; after a crash the smallest cursor is where all stand.
    const cursor = current.some((run) => run.cursor === null)
      ? null
      : current.map((run) => run.cursor!).sort()[0];
    const screened = await this.walk(walk, cursor, reportProgress);
    await this.transactions.run(async (tx) => {
      const finished = await this.runs.complete(tx, walk.runIds);
      await this.announceFinished(tx, finished);
    });
    return { status: 'done', detail: { screened, runs: walk.runIds.length } };
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
        { after, limit: batchSize, dueOnly: walk.dueOnly },
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
    return this.transactions.run(async (tx) => {
      const outcome = await this.screening.screenIn(
        tx,
        batch.participants.map((participant) => participant.participantId),
        { trials: walk.trials, locking, prejudged, dataChanged: false },
      );
      await committedBefore;
      await this.runs.advance(tx, walk.runIds, {
        trialIds: walk.trials.map((t) => t.id),
        done: doneInBatch,
        cursor: last,
      });
      return outcome;
    });
  }
}
