import { InjectQueue, Processor } from '@nestjs/bullmq';
import { WebhookEventType } from '@registry/domain';
import { JobName, QueueName, reportTrialWebhookOptions } from '@registry/jobs';
import { Queue } from 'bullmq';
import { JobHandlers, QueueProcessor } from '../runtime/queue-processor';
import { workerOptions } from '../runtime/worker-options';
import { WebhookReportsService } from './webhook-reports.service';

/**
 * The daily webhook reports: one check at a time per worker (each walks a trial's sites), on a queue of their
 * own so that deliveries never wait behind a count.
 */
@Processor(QueueName.SponsorReports, workerOptions({ concurrency: 1 }))
export class WebhookReportsProcessor extends QueueProcessor {
  constructor(
    private readonly reports: WebhookReportsService,
    @InjectQueue(QueueName.SponsorReports) private readonly queue: Queue,
  ) {
    super();
  }

  readonly handlers: JobHandlers = {
    [JobName.TickWebhookReports]: async () => {
      const due = await this.reports.due();
      for (const key of due)
        await this.queue.add(JobName.ReportTrialWebhook, key, reportTrialWebhookOptions(key));
      return due.length > 0 ? { status: 'done', detail: { checks: due.length } } : { status: 'skipped' };
    },

    [JobName.ReportTrialWebhook]: async (job) => {
      const outcome = await this.reports.check({
        trialId: job.data.trialId,
        eventType: job.data.eventType as WebhookEventType,
      });
      return { status: outcome === 'sent' ? 'done' : 'skipped', detail: { outcome } };
    },
  };
}
