import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Environment } from '@registry/config';
import { EventJob, jobForEvent, UnroutableEventError } from '@registry/jobs';
import { OutboxFailure, OutboxRepository, PendingOutboxEvent, Transactions } from '@registry/persistence';
import { Clock } from '@registry/platform';
import { OutboxListener } from './outbox-listener';
import { RelayQueues } from './relay-queues';

const BATCH_SIZE = 200;
const MAX_BACKOFF_MS = 30_000;

/** What became of one claimed row in a pass: its job added, or the failure to record on it. */
type RowOutcome = { id: string; enqueued: true } | ({ enqueued: false } & OutboxFailure);

export interface RelayPass {
  claimed: number;
  enqueued: number;
  /** Rows whose job could not be added now (Redis away): retried with back-off. */
  retrying: number;
  /** Rows no job handles: marked failed, never retried. */
  setAside: number;
}

/**
 * How long one job add may take before the pass records a failure on its row. Without Redis, BullMQ's add waits
 * for the connection to become ready again rather than failing, and the pass would hold its row locks all that
 * time. An add that completes after the deadline is harmless: the row stays unpublished, the next pass adds
 * the same job id again, and BullMQ keeps one.
 */
const ENQUEUE_TIMEOUT_MS = 2000;

function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  // The add may still settle after the deadline: observe it so that it is never an unhandled rejection.
  work.catch(() => undefined);
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Moves committed outbox events to the queue, each straight to the job that handles its topic (`jobForEvent`).
 *
 * What guarantees what:
 * - Nothing committed is lost: a row stays unpublished until a pass has added its job and committed
 *   `published_at`; a pass that fails leaves it for the next.
 * - No two relays add a row's job at once: a pass claims its rows with FOR UPDATE SKIP LOCKED and holds the
 *   locks until it has added their jobs and marked them, in one transaction.
 * - A row relayed twice (the worker died between adding the job and committing `published_at`) adds no
 *   second job while BullMQ still holds the first: each job has a deterministic job id or deduplication id.
 * - Past that, the work is done once because the handlers are idempotent on keys in PostgreSQL, not on
 *   BullMQ's memory of completed jobs: a run-screening job skips runs whose `screening_run` row is finished,
 *   and a participant re-screen stores one determination per (participant, trial) and opens a flag only on a
 *   change of result (`eligibility_flag_open_key`, `eligibility_flag_episode_key`), so screening the same
 *   data again changes nothing.
 * - Failures are recorded on the rows that failed (attempts, last error); a row no job handles is set aside
 *   (`failed_at`) and logged, never guessed into other work.
 * It wakes on the NOTIFY that the outbox trigger sends at commit (reconnecting its LISTEN connection with
 * back-off when it drops), and polls as a safety net.
 */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelayService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private wakeRequested = false;
  private stopped = false;
  private failures = 0;

  constructor(
    private readonly transactions: Transactions,
    private readonly outbox: OutboxRepository,
    private readonly queues: RelayQueues,
    private readonly listener: OutboxListener,
    @Inject(Environment) private readonly config: Environment,
    private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.listener.listen(() => this.wake());
    this.wake();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.listener.close();
    await this.queues.close();
  }

  /** Runs a relay pass now (or right after the one in progress). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.wakeRequested = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      const delay = this.wakeRequested
        ? 0
        : this.failures > 0
          ? Math.min(MAX_BACKOFF_MS, this.config.OUTBOX_POLL_INTERVAL_MS * 2 ** this.failures)
          : this.config.OUTBOX_POLL_INTERVAL_MS;
      this.wakeRequested = false;
      this.timer = setTimeout(() => this.wake(), delay);
    });
  }

  /** Relays batches until the outbox is empty or rows have to wait for a retry. */
  private async drain(): Promise<void> {
    try {
      for (;;) {
        if (this.stopped) return;
        const pass = await this.relayBatch();
        if (pass.retrying > 0) throw new Error(`${pass.retrying} events could not be queued`);
        this.failures = 0;
        if (pass.claimed < BATCH_SIZE) return;
      }
    } catch (error) {
      this.failures++;
      if (this.failures === 1 || this.failures % 10 === 0) {
        this.logger.warn({
          msg: 'outbox relay failed; events stay queued in PostgreSQL',
          attempt: this.failures,
          error: (error as Error).message,
        });
      }
    }
  }

  /** Claims one batch, adds each row's job, marks the rows enqueued and records the failures on the others. */
  async relayBatch(): Promise<RelayPass> {
    return this.transactions.run(async (tx) => {
      const rows = await this.outbox.claimBatch(tx, BATCH_SIZE);
      const outcomes = await Promise.all(rows.map((row) => this.enqueue(row)));
      const enqueued = outcomes.filter((outcome) => outcome.enqueued).map((outcome) => outcome.id);
      const failed = outcomes.filter((outcome) => !outcome.enqueued);
      if (enqueued.length > 0) await this.outbox.markPublished(tx, enqueued, this.clock.now());
      if (failed.length > 0) await this.outbox.recordFailures(tx, failed, this.clock.now());
      const setAside = failed.filter((f) => f.permanent).length;
      return {
        claimed: rows.length,
        enqueued: enqueued.length,
        retrying: failed.length - setAside,
        setAside,
      };
    });
  }

  private async enqueue(row: PendingOutboxEvent): Promise<RowOutcome> {
    let job: EventJob;
    try {
      job = jobForEvent(row.topic, row.payload, row.occurredAt);
    } catch (error) {
      if (!(error instanceof UnroutableEventError)) throw error;
      // The topic and the row id only: payloads are ids, but the log is no place to start copying them.
      this.logger.error({
        msg: 'outbox event set aside: ' + error.message,
        outboxId: row.id,
        topic: row.topic,
      });
      return { id: row.id, enqueued: false, error: error.message, permanent: true };
    }
    try {
      await withTimeout(
        this.queues.add(job),
        ENQUEUE_TIMEOUT_MS,
        `adding the job did not finish within ${ENQUEUE_TIMEOUT_MS} ms (is Redis reachable?)`,
      );
      return { id: row.id, enqueued: true };
    } catch (error) {
      return { id: row.id, enqueued: false, error: (error as Error).message, permanent: false };
    }
  }
}
