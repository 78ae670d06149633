import { Processor } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import { Environment } from '@registry/config';
import { JobName, QueueName } from '@registry/jobs';
import { AuditCheckpointRepository, OutboxRepository, Transactions } from '@registry/persistence';
import { Clock } from '@registry/platform';
import { JobHandlers, QueueProcessor } from '../runtime/queue-processor';
import { workerOptions } from '../runtime/worker-options';

@Processor(QueueName.Maintenance, workerOptions())
export class MaintenanceProcessor extends QueueProcessor {
  constructor(
    private readonly transactions: Transactions,
    private readonly outbox: OutboxRepository,
    private readonly checkpoints: AuditCheckpointRepository,
    @Inject(Environment) private readonly config: Environment,
    private readonly clock: Clock,
  ) {
    super();
  }

  readonly handlers: JobHandlers = {
    // Published outbox rows have done their work; keeping a week of them helps when tracing a delivery.
    [JobName.PruneOutbox]: async (job) => {
      const deleted = await this.transactions.read((tx) =>
        this.outbox.prunePublished(tx, job.data.olderThanDays, this.clock.now()),
      );
      return deleted > 0
        ? { status: 'done', detail: { deleted } }
        : { status: 'skipped', detail: { deleted: 0 } };
    },

    [JobName.WriteAuditCheckpoint]: async () => {
      const outcome = await this.transactions.read((tx) =>
        this.checkpoints.write(tx, this.config.AUDIT_CHECKPOINT_KEY, this.clock.now()),
      );
      if (outcome.status === 'skipped') return { status: 'skipped', detail: { reason: outcome.reason } };
      const { id, headEventId, headHash, createdAt, signature } = outcome.checkpoint;
      // A second copy outside the database (logs are shipped elsewhere): it shows a checkpoint deleted later.
      this.logger.log({
        msg: 'audit checkpoint written',
        checkpointId: id,
        headEventId,
        headHash,
        createdAt: createdAt.toISOString(),
        signature,
      });
      return { status: 'done', detail: { checkpointId: id, headEventId } };
    },
  };
}
