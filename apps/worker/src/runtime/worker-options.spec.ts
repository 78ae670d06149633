import { Environment } from '@registry/config';
import { applyWorkerTiming, screeningWorkerOptions, workerOptions } from './worker-options';

describe('worker options', () => {
  it('the screening queue’s concurrency and every queue’s timing are the configured ones, read when spread', () => {
    // Made when the processor class is loaded, before the configuration is applied (as decorators are).
    const screening = screeningWorkerOptions();
    const other = workerOptions({ concurrency: 2 });

    applyWorkerTiming(
      Object.assign(new Environment(), {
        WORKER_SCREENING_CONCURRENCY: 1,
        WORKER_LOCK_DURATION_MS: 2000,
        WORKER_STALLED_INTERVAL_MS: 1000,
      }),
    );

    // @nestjs/bullmq spreads the options into the Worker it creates.
    expect({ ...screening }).toEqual({ concurrency: 1, lockDuration: 2000, stalledInterval: 1000 });
    expect({ ...other }).toEqual({ concurrency: 2, lockDuration: 2000, stalledInterval: 1000 });
  });
});
