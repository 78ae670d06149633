import type { Environment } from '@registry/config';

/** Connections the worker keeps for what is not screening: the outbox relay, reminders, reports, health. */
const BESIDES_SCREENING = 3;

/**
 * The worker's database pool: DATABASE_POOL_SIZE, or more when its screening jobs need more. Each of the
 * WORKER_SCREENING_CONCURRENCY jobs it runs at once (partitions of a cohort run) holds up to
 * SCREENING_BATCHES_IN_FLIGHT writing transactions and one connection reading the next batch ahead; with a
 * pool smaller than that, a partition job waited for a connection past the pool's timeout and failed (it was
 * retried and resumed from its cursor, but lost its place; seen at 1,000,000 participants, docs/PERFORMANCE.md).
 */
export function workerPoolSize(
  config: Pick<
    Environment,
    'DATABASE_POOL_SIZE' | 'WORKER_SCREENING_CONCURRENCY' | 'SCREENING_BATCHES_IN_FLIGHT'
  >,
): number {
  const screening = config.WORKER_SCREENING_CONCURRENCY * (config.SCREENING_BATCHES_IN_FLIGHT + 1);
  return Math.max(config.DATABASE_POOL_SIZE, screening + BESIDES_SCREENING);
}
