import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Environment } from '@registry/config';
import { redisOptionsFromUrl } from '@registry/platform';
import { Queue } from 'bullmq';
import { QueueName } from './queues';

/** The states a queue's jobs are counted in. */
export const QUEUE_STATES = [
  'waiting',
  'prioritized',
  'waiting-children',
  'active',
  'delayed',
  'failed',
] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

export interface QueueSnapshot {
  queue: QueueName;
  counts: Record<QueueState, number>;
  /** Seconds since the oldest job still waiting was added, or 0 when none waits. */
  oldestWaitingSeconds: number;
}

/**
 * Reads every queue for the dashboard and the metrics; it adds no job and runs none (the API only produces
 * jobs through the outbox, the worker consumes them). One BullMQ Queue a name, on a connection that fails at
 * once while Redis is away (no offline queue), so a scrape answers instead of hanging.
 */
@Injectable()
export class QueueInspector implements OnApplicationShutdown {
  readonly queues: Queue[];

  constructor(@Inject(Environment) config: Environment) {
    this.queues = Object.values(QueueName).map((name) => {
      const queue = new Queue(name, {
        prefix: config.REDIS_KEY_PREFIX,
        connection: {
          ...redisOptionsFromUrl(config.REDIS_URL),
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
        },
      });
      queue.on('error', () => undefined); // a scrape reports Redis away by failing; no log flood
      return queue;
    });
  }

  /** Counts by state and the age of the oldest waiting job, per queue. `now` in epoch milliseconds. */
  async snapshot(now: number): Promise<QueueSnapshot[]> {
    return Promise.all(
      this.queues.map(async (queue) => {
        const counts = (await queue.getJobCounts(...QUEUE_STATES)) as Record<QueueState, number>;
        // Oldest first: BullMQ pushes new jobs on the left of the wait list.
        const [oldest] = await queue.getJobs(['waiting'], 0, 0, true);
        return {
          queue: queue.name as QueueName,
          counts,
          oldestWaitingSeconds: oldest ? Math.max(0, (now - oldest.timestamp) / 1000) : 0,
        };
      }),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.queues.map((queue) => queue.close()));
  }
}
