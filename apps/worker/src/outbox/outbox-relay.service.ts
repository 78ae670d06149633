import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Environment } from '@registry/config';
import { deliverEventJobId, JOB_OPTIONS, JobName, QueueName } from '@registry/jobs';
import { Clock, redisOptionsFromUrl } from '@registry/platform';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { DataSource } from 'typeorm';

const BATCH_SIZE = 200;
const MAX_BACKOFF_MS = 30_000;

interface OutboxRow {
  id: string;
  topic: string;
  aggregate_id: string;
}

/**
 * Moves committed outbox events to the queue. Rows are claimed with FOR UPDATE SKIP LOCKED (several workers
 * share the work), added to BullMQ with the job id `outbox-<id>` (adding one twice keeps one job), and marked
 * published in the same transaction. If Redis is away the transaction rolls back, the rows stay, and the relay
 * tries again with back-off: nothing committed is lost, nothing is delivered twice.
 * It wakes on the NOTIFY that the outbox trigger sends at commit, and polls as a safety net.
 */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelayService.name);
  private listener?: Client;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private wakeRequested = false;
  private stopped = false;
  private failures = 0;
  private events!: Queue;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(Environment) private readonly config: Environment,
    private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // A producer of its own that fails at once while Redis is away (no offline queue), so a relay pass never
    // waits holding its row locks; the rows stay unpublished and the next pass retries them.
    this.events = new Queue(QueueName.Events, {
      prefix: this.config.REDIS_KEY_PREFIX,
      connection: {
        ...redisOptionsFromUrl(this.config.REDIS_URL),
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
      },
    });
    this.events.on('error', () => undefined); // reported by drain() with back-off instead
    this.listener = new Client({
      connectionString: this.config.DATABASE_URL,
      application_name: 'trialready-outbox-listener',
    });
    this.listener.on('error', (error) =>
      this.logger.warn({ msg: 'outbox listener lost its connection', error: error.message }),
    );
    this.listener.on('notification', () => this.wake());
    await this.listener.connect();
    await this.listener.query('LISTEN outbox_event');
    this.wake();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.listener?.end().catch(() => undefined);
    await this.events?.close();
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

  /** Relays batches until the outbox is empty or a batch fails. */
  private async drain(): Promise<void> {
    try {
      while (!this.stopped && (await this.relayBatch()) === BATCH_SIZE);
      this.failures = 0;
    } catch (error) {
      this.failures++;
      if (this.failures === 1 || this.failures % 10 === 0) {
        this.logger.warn({
          msg: 'outbox relay failed; events stay queued in PostgreSQL',
          attempt: this.failures,
          error: (error as Error).message,
        });
      }
      await this.dataSource
        .query(
          `UPDATE outbox_event SET publish_attempts = publish_attempts + 1, last_error = $1
            WHERE id IN (SELECT id FROM outbox_event WHERE published_at IS NULL ORDER BY id LIMIT $2)`,
          [(error as Error).message.slice(0, 500), BATCH_SIZE],
        )
        .catch(() => undefined);
    }
  }

  /** Claims, enqueues and marks one batch; returns how many rows it relayed. */
  async relayBatch(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const rows = await manager.query<OutboxRow[]>(
        `SELECT id::text, topic, aggregate_id FROM outbox_event
          WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [BATCH_SIZE],
      );
      if (rows.length === 0) return 0;
      await this.events.addBulk(
        rows.map((row) => ({
          name: JobName.DeliverEvent,
          data: { outboxId: row.id, topic: row.topic, aggregateId: row.aggregate_id },
          opts: { ...JOB_OPTIONS[JobName.DeliverEvent], jobId: deliverEventJobId(row.id) },
        })),
      );
      await manager.query(`UPDATE outbox_event SET published_at = $2 WHERE id = ANY($1::bigint[])`, [
        rows.map((r) => r.id),
        this.clock.now(),
      ]);
      return rows.length;
    });
  }
}
