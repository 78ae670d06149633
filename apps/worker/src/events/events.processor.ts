import { Processor } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import { JobName, QueueName } from '@registry/jobs';
import { JobHandlers, QueueProcessor } from '../runtime/queue-processor';
import { workerOptions } from '../runtime/worker-options';
import { EVENT_SUBSCRIBERS, EventSubscriber } from './event-subscribers';

/** Hands each relayed domain event to the subscribers of its topic. */
@Processor(QueueName.Events, workerOptions({ concurrency: 8 }))
export class EventsProcessor extends QueueProcessor {
  constructor(@Inject(EVENT_SUBSCRIBERS) private readonly subscribers: EventSubscriber[]) {
    super();
  }

  readonly handlers: JobHandlers = {
    [JobName.DeliverEvent]: async (job) => {
      const interested = this.subscribers.filter((subscriber) => subscriber.topics.includes(job.data.topic));
      for (const subscriber of interested) await subscriber.handle(job.data);
      return interested.length > 0
        ? { status: 'done', detail: { topic: job.data.topic, subscribers: interested.map((s) => s.name) } }
        : { status: 'skipped', detail: { topic: job.data.topic, reason: 'no subscriber for this topic' } };
    },
  };
}
