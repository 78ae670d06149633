import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import {
  DeliverEventJobData,
  EventTopic,
  JOB_OPTIONS,
  JobName,
  QueueName,
  runScreeningJobId,
  screenParticipantOptions,
} from '@registry/jobs';
import { Queue } from 'bullmq';
import type { EventSubscriber } from '../events/event-subscribers';

/** Turns domain events into screening work: a participant change re-screens that participant; a run starts a cohort screen. */
@Injectable()
export class ScreeningSubscriber implements EventSubscriber {
  readonly name = 'screening';
  readonly topics = [EventTopic.ParticipantChanged, EventTopic.TrialScreeningRequested];

  constructor(@InjectQueue(QueueName.Screening) private readonly queue: Queue) {}

  async handle(event: DeliverEventJobData): Promise<void> {
    if (event.topic === (EventTopic.ParticipantChanged as string)) {
      await this.queue.add(
        JobName.ScreenParticipant,
        { participantId: event.aggregateId },
        screenParticipantOptions(event.aggregateId),
      );
    } else {
      const runIds = [event.aggregateId];
      await this.queue.add(
        JobName.RunScreening,
        { runIds },
        { ...JOB_OPTIONS[JobName.RunScreening], jobId: runScreeningJobId(runIds) },
      );
    }
  }
}
