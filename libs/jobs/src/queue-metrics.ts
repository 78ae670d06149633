import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@registry/platform';
import { Gauge } from 'prom-client';
import { QueueInspector, QUEUE_STATES } from './queue-inspector';

/**
 * Queue depth by state and the age of the oldest waiting job, per queue, read from Redis at each scrape (one
 * snapshot feeds both series). A waiting job that grows old means no worker takes it: none is running, all are
 * busy, or the queue is paused.
 */
@Injectable()
export class QueueMetrics {
  constructor(metrics: MetricsRegistry, inspector: QueueInspector) {
    let pending: Promise<Awaited<ReturnType<QueueInspector['snapshot']>>> | undefined;
    // Both gauges collect in one scrape: the first asks Redis, the second reuses the answer.
    const snapshot = () => {
      pending ??= inspector.snapshot(Date.now()).finally(() => setImmediate(() => (pending = undefined)));
      return pending;
    };
    new Gauge({
      name: 'bullmq_queue_jobs',
      help: 'Jobs in each queue by state (waiting, prioritized, waiting-children, active, delayed, failed).',
      labelNames: ['queue', 'state'] as const,
      registers: [metrics.registry],
      async collect() {
        this.reset();
        for (const { queue, counts } of await snapshot())
          for (const state of QUEUE_STATES) this.set({ queue, state }, counts[state] ?? 0);
      },
    });
    new Gauge({
      name: 'bullmq_queue_oldest_waiting_job_age_seconds',
      help: 'Seconds since the oldest job still waiting in each queue was added (0 when none waits).',
      labelNames: ['queue'] as const,
      registers: [metrics.registry],
      async collect() {
        this.reset();
        for (const { queue, oldestWaitingSeconds } of await snapshot())
          this.set({ queue }, oldestWaitingSeconds);
      },
    });
  }
}
