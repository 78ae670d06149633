import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Environment } from '@registry/config';
import { EventJob, jobForEvent, QueueName, UnroutableEventError } from '@registry/jobs';
import { Clock, redisOptionsFromUrl } from '@registry/platform';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { DataSource } from 'typeorm';

const BATCH_SIZE = 200;
const MAX_BACKOFF_MS = 30_000;
const LISTEN_RETRY_MS = 250;
const LISTENER_NAME = 'trialready-outbox-listener';

interface OutboxRow {
  id: string;
  topic: string;
  payload: Record<string, unknown>;
}

/** What became of one claimed row in a pass. */
type RowOutcome =
  | { id: string; enqueued: true }
  /** `permanent`: the row can never become a job (it is set aside); otherwise the next pass retries it. */
  | { id: string; enqueued: false; error: string; permanent: boolean };

export interface RelayPass {
  claimed: number;
  enqueued: number;
  /** Rows whose job could not be added now (Redis away): retried with back-off. */
  retrying: number;
  /** Rows no job handles: marked failed, never retried. */
  setAside: number;
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

@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelayService.name);
  private readonly queues = new Map<QueueName, Queue>();
  private listener?: Client;
  private listenerRetry?: NodeJS.Timeout;
  private listenerFailures = 0;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private wakeRequested = false;
  private stopped = false;
  private failures = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(Environment) private readonly config: Environment,
    private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.listen();
    this.wake();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.listenerRetry);
    await this.running;
    await this.listener?.end().catch(() => undefined);
    for (const queue of this.queues.values()) await queue.close();
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
    return this.dataSource.transaction(async (manager) => {
      const rows = await manager.query<OutboxRow[]>(
        `SELECT id::text, topic, payload FROM outbox_event
          WHERE published_at IS NULL AND failed_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [BATCH_SIZE],
      );
      const outcomes = await Promise.all(rows.map((row) => this.enqueue(row)));
      const enqueued = outcomes.filter((outcome) => outcome.enqueued).map((outcome) => outcome.id);
      const failed = outcomes.filter((outcome) => !outcome.enqueued);
      if (enqueued.length > 0)
        await manager.query(`UPDATE outbox_event SET published_at = $2 WHERE id = ANY($1::bigint[])`, [
          enqueued,
          this.clock.now(),
        ]);
      if (failed.length > 0)
        await manager.query(
          `UPDATE outbox_event o
              SET publish_attempts = o.publish_attempts + 1, last_error = f.error,
                  failed_at = CASE WHEN f.permanent THEN $4::timestamptz END
             FROM unnest($1::bigint[], $2::text[], $3::boolean[]) AS f(id, error, permanent)
            WHERE o.id = f.id`,
          [
            failed.map((f) => f.id),
            failed.map((f) => f.error.slice(0, 500)),
            failed.map((f) => f.permanent),
            this.clock.now(),
          ],
        );
      const setAside = failed.filter((f) => f.permanent).length;
      return {
        claimed: rows.length,
        enqueued: enqueued.length,
        retrying: failed.length - setAside,
        setAside,
      };
    });
  }

  private async enqueue(row: OutboxRow): Promise<RowOutcome> {
    let job: EventJob;
    try {
      job = jobForEvent(row.topic, row.payload);
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
        this.queue(job.queue).add(job.name, job.data, job.opts),
        ENQUEUE_TIMEOUT_MS,
        `adding the job did not finish within ${ENQUEUE_TIMEOUT_MS} ms (is Redis reachable?)`,
      );
      return { id: row.id, enqueued: true };
    } catch (error) {
      return { id: row.id, enqueued: false, error: (error as Error).message, permanent: false };
    }
  }

  /**
   * A producer of its own per queue that fails at once while Redis is away (no offline queue), so a relay pass
   * never waits holding its row locks; the rows stay unpublished and the next pass retries them.
   */
  private queue(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, {
        prefix: this.config.REDIS_KEY_PREFIX,
        connection: {
          ...redisOptionsFromUrl(this.config.REDIS_URL),
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
        },
      });
      queue.on('error', () => undefined); // reported by drain() with back-off instead
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** LISTENs for the outbox trigger's NOTIFY on a connection of its own. */
  private async listen(): Promise<void> {
    const client = new Client({
      connectionString: this.config.DATABASE_URL,
      application_name: LISTENER_NAME,
    });
    client.on('error', (error) => this.listenerLost(client, error));
    client.on('end', () => this.listenerLost(client));
    client.on('notification', () => this.wake());
    this.listener = client;
    await client.connect();
    await client.query('LISTEN outbox_event');
    this.listenerFailures = 0;
  }

  /**
   * The LISTEN connection dropped (PostgreSQL restarted, the backend was terminated, the network broke):
   * connect again with back-off. Polling covers the gap, and a pass right after reconnecting relays whatever
   * was committed while no NOTIFY could arrive.
   */
  private listenerLost(client: Client, error?: Error): void {
    if (this.stopped || this.listener !== client) return; // already handled for this connection
    this.listener = undefined;
    client.end().catch(() => undefined);
    const delay = Math.min(MAX_BACKOFF_MS, LISTEN_RETRY_MS * 2 ** this.listenerFailures);
    this.listenerFailures++;
    if (this.listenerFailures === 1 || this.listenerFailures % 10 === 0)
      this.logger.warn({
        msg: 'outbox listener lost its connection; reconnecting',
        retryInMs: delay,
        error: error?.message,
      });
    this.listenerRetry = setTimeout(() => {
      this.listen().then(
        () => this.wake(),
        (reason: Error) => this.listenerLost(this.listener ?? client, reason),
      );
    }, delay);
  }
}
