import type { Environment } from '@registry/config';
import type { WorkerOptions } from 'bullmq';

type Timing = Required<Pick<WorkerOptions, 'lockDuration' | 'stalledInterval'>>;

/** BullMQ's defaults, until the worker module applies the validated configuration. */
const timing: Timing = { lockDuration: 30000, stalledInterval: 30000 };

/** Screening jobs one worker runs at once (WORKER_SCREENING_CONCURRENCY), until the configuration is applied. */
let screeningConcurrency = 4;

/** Called by WorkerModule.forRoot, before Nest creates the BullMQ workers from the processors' options. */
export function applyWorkerTiming(config: Environment): void {
  timing.lockDuration = config.WORKER_LOCK_DURATION_MS;
  timing.stalledInterval = config.WORKER_STALLED_INTERVAL_MS;
  screeningConcurrency = config.WORKER_SCREENING_CONCURRENCY;
}

/** workerOptions for the screening queue, whose concurrency is configured (read, as the timing, at init). */
export function screeningWorkerOptions(): Partial<WorkerOptions> {
  return Object.defineProperty(workerOptions(), 'concurrency', {
    get: () => screeningConcurrency,
    enumerable: true,
  });
}

/**
 * Options for a processor's @Processor decorator. Decorators run when the class is loaded, before the
 * configuration exists, so the timing fields are getters: @nestjs/bullmq spreads these options into the
 * Worker when the module initialises, and reads the configured values then.
 */
export function workerOptions(base: Omit<Partial<WorkerOptions>, keyof Timing> = {}): Partial<WorkerOptions> {
  return {
    ...base,
    get lockDuration() {
      return timing.lockDuration;
    },
    get stalledInterval() {
      return timing.stalledInterval;
    },
  };
}
