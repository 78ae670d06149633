import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, ModuleRef } from '@nestjs/core';
import { JOB_SCHEDULES, QueueName } from '@registry/jobs';
import { Queue } from 'bullmq';
import { findJobHandlerProblems } from './job-handler-check';
import { syncJobSchedulers } from './job-schedulers';
import { QueueProcessor } from './queue-processor';

/**
 * At boot: refuse to run with a job name unhandled (or handled twice), then register the recurring jobs and
 * remove any scheduler no longer in JOB_SCHEDULES (a schedule retired by a release would fire forever).
 */
@Injectable()
export class WorkerBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger(WorkerBootstrapService.name);

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly moduleRef: ModuleRef,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const processors = this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is QueueProcessor => instance instanceof QueueProcessor)
      .map((processor) => ({
        processor: processor.constructor.name,
        queue: processor.worker.name,
        jobNames: Object.keys(processor.handlers),
      }));
    const problems = findJobHandlerProblems(processors);
    if (problems.length > 0)
      throw new Error(`Job handlers are not set up right:\n  - ${problems.join('\n  - ')}`);

    const queueOf = (name: QueueName) => this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
    await syncJobSchedulers(queueOf, ({ queue, schedulerId }) =>
      this.logger.log({ msg: 'retired job scheduler removed', queue, schedulerId }),
    );
    this.logger.log({ msg: 'worker ready', processors: processors.length, schedulers: JOB_SCHEDULES.length });
  }
}
