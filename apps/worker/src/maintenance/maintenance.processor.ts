import { Processor } from '@nestjs/bullmq';
import { JobName, QueueName } from '@registry/jobs';
import { DataSource } from 'typeorm';
import { JobHandlers, QueueProcessor } from '../runtime/queue-processor';
import { workerOptions } from '../runtime/worker-options';

@Processor(QueueName.Maintenance, workerOptions())
export class MaintenanceProcessor extends QueueProcessor {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  readonly handlers: JobHandlers = {
    // Published outbox rows have done their work; keeping a week of them helps when tracing a delivery.
    [JobName.PruneOutbox]: async (job) => {
      const [, deleted] = await this.dataSource.query<[unknown, number]>(
        `DELETE FROM outbox_event WHERE published_at < now() - make_interval(days => $1)`,
        [job.data.olderThanDays],
      );
      return deleted > 0
        ? { status: 'done', detail: { deleted } }
        : { status: 'skipped', detail: { deleted: 0 } };
    },
  };
}
