import { Module } from '@nestjs/common';
import { QueueInspector, QueueMetrics } from '@registry/jobs';
import { MetricsModule } from '@registry/platform';

/**
 * What the people who run the registry read: Prometheus metrics (GET /api/metrics) and the queue dashboard
 * (/api/admin/queues). Both are mounted outside Nest's router by `mountOperations`, after the providers here
 * are built. The queues are read, never written: the API produces jobs only through the outbox.
 */
@Module({
  imports: [MetricsModule],
  providers: [QueueInspector, QueueMetrics],
  exports: [QueueInspector, QueueMetrics],
})
export class OperationsModule {}
