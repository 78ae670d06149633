import { Inject, Injectable } from '@nestjs/common';
import { Environment } from '@registry/config';
import { EventJob, QueueName } from '@registry/jobs';
import { redisOptionsFromUrl } from '@registry/platform';
import { Queue } from 'bullmq';

/** Where the outbox relay adds the job of each event. Abstract, so that a unit test can provide a fake. */
export abstract class RelayQueues {
  /** Adds the job to its queue; rejects (rather than waits) while Redis is away. */
  abstract add(job: EventJob): Promise<unknown>;

  abstract close(): Promise<void>;
}

/**
 * A producer of its own per queue that fails at once while Redis is away (no offline queue), so a relay pass
 * never waits holding its row locks; the rows stay unpublished and the next pass retries them.
 */
@Injectable()
export class BullRelayQueues extends RelayQueues {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(@Inject(Environment) private readonly config: Environment) {
    super();
  }

  add(job: EventJob): Promise<unknown> {
    return this.queue(job.queue).add(job.name, job.data, job.opts);
  }

  async close(): Promise<void> {
    for (const queue of this.queues.values()) await queue.close();
  }

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
      queue.on('error', () => undefined); // reported by the relay's drain() with back-off instead
      this.queues.set(name, queue);
    }
    return queue;
  }
}
