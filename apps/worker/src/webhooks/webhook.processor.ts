import { InjectQueue, Processor } from '@nestjs/bullmq';
import { deliverWebhooksOptions, JobName, QueueName } from '@registry/jobs';
import { Clock } from '@registry/platform';
import { Queue } from 'bullmq';
import { JobHandlers, QueueProcessor } from '../runtime/queue-processor';
import { workerOptions } from '../runtime/worker-options';
import { WebhookDeliveryService } from './webhook-delivery.service';

/**
 * Several organisations are sent to at once (concurrency), each by one job at a time: a slow or failing
 * receiver holds one slot for at most WEBHOOK_TIMEOUT_MS per attempt, and its retries wait in the delayed
 * set, not in a slot, so other organisations' deliveries go on.
 */
@Processor(QueueName.Webhooks, workerOptions({ concurrency: 4 }))
export class WebhookProcessor extends QueueProcessor {
  constructor(
    private readonly deliveries: WebhookDeliveryService,
    @InjectQueue(QueueName.Webhooks) private readonly queue: Queue,
    private readonly clock: Clock,
  ) {
    super();
  }

  readonly handlers: JobHandlers = {
    [JobName.DeliverWebhooks]: async (job) => {
      const { organisationId } = job.data;
      const outcome = await this.deliveries.drain(organisationId);
      if (outcome.nextDueAt) await this.deliverLater(organisationId, outcome.nextDueAt);
      const { delivered, failed, parked } = outcome;
      return {
        status: delivered + failed + parked > 0 ? 'done' : 'skipped',
        detail: { delivered, failed, parked, nextDueAt: outcome.nextDueAt?.toISOString() ?? null },
      };
    },

    [JobName.SweepWebhooks]: async () => {
      const due = await this.deliveries.organisationsDue();
      for (const organisationId of due)
        await this.queue.add(
          JobName.DeliverWebhooks,
          { organisationId },
          deliverWebhooksOptions(organisationId),
        );
      return due.length > 0
        ? { status: 'done', detail: { organisations: due.length } }
        : { status: 'skipped' };
    },
  };

  /** A job for the organisation at `at`, under its own id (deduplication would drop it behind this one). */
  private async deliverLater(organisationId: string, at: Date): Promise<void> {
    const delay = Math.max(0, at.getTime() - this.clock.now().getTime());
    await this.queue.add(
      JobName.DeliverWebhooks,
      { organisationId },
      {
        ...deliverWebhooksOptions(organisationId, delay),
        deduplication: undefined,
        jobId: `deliver-webhooks-${organisationId}-${at.getTime()}`,
      },
    );
  }
}
