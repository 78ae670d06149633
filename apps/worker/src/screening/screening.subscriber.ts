import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
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
import { DataSource } from 'typeorm';
import type { EventSubscriber } from '../events/event-subscribers';

/**
 * Turns domain events into screening work: a participant change re-screens that participant; a trial's run,
 * or a site's daily re-screen, starts a cohort screen. Each event's job has a deterministic id or
 * deduplication id, so an event delivered twice queues its work once.
 */
@Injectable()
export class ScreeningSubscriber implements EventSubscriber {
  readonly name = 'screening';
  readonly topics = [
    EventTopic.ParticipantChanged,
    EventTopic.TrialScreeningRequested,
    EventTopic.DailyRescreenStarted,
  ];

  constructor(
    @InjectQueue(QueueName.Screening) private readonly queue: Queue,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async handle(event: DeliverEventJobData): Promise<void> {
    switch (event.topic as EventTopic) {
      case EventTopic.ParticipantChanged:
        await this.queue.add(
          JobName.ScreenParticipant,
          { participantId: event.aggregateId },
          screenParticipantOptions(event.aggregateId),
        );
        return;
      case EventTopic.TrialScreeningRequested:
        return this.runScreening([event.aggregateId]);
      case EventTopic.DailyRescreenStarted: {
        // The runs were committed with the event: walked together, one pass over the site's participants.
        const runs = await this.dataSource.query<{ id: string }[]>(
          `SELECT id FROM screening_run WHERE daily_rescreen_id = $1 ORDER BY id`,
          [event.aggregateId],
        );
        if (runs.length > 0) await this.runScreening(runs.map((run) => run.id));
        return;
      }
      default:
        throw new Error(`the screening subscriber has no work for topic "${event.topic}"`);
    }
  }

  private async runScreening(runIds: string[]): Promise<void> {
    await this.queue.add(
      JobName.RunScreening,
      { runIds },
      { ...JOB_OPTIONS[JobName.RunScreening], jobId: runScreeningJobId(runIds) },
    );
  }
}
