import { workerPoolSize } from './pool-size';

describe('workerPoolSize', () => {
  it('holds a connection for every batch in flight and the read ahead of each screening job run at once, and three more', () => {
    // The defaults: 4 jobs x (2 batches + 1 read ahead) + 3 = 15, above the default pool of 10.
    expect(
      workerPoolSize({
        DATABASE_POOL_SIZE: 10,
        WORKER_SCREENING_CONCURRENCY: 4,
        SCREENING_BATCHES_IN_FLIGHT: 2,
      }),
    ).toBe(15);
    expect(
      workerPoolSize({
        DATABASE_POOL_SIZE: 10,
        WORKER_SCREENING_CONCURRENCY: 1,
        SCREENING_BATCHES_IN_FLIGHT: 2,
      }),
    ).toBe(10);
  });

  it('never opens fewer connections than DATABASE_POOL_SIZE allows', () => {
    expect(
      workerPoolSize({
        DATABASE_POOL_SIZE: 40,
        WORKER_SCREENING_CONCURRENCY: 4,
        SCREENING_BATCHES_IN_FLIGHT: 2,
      }),
    ).toBe(40);
  });
});
