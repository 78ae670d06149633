import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { Environment } from '@registry/config';
import { redisOptionsFromUrl } from '@registry/platform';
import { QueueErrorLogger } from './queue-error-logger';
import { QueueName } from './queues';

/** BullMQ on the configured Redis, with the configured key prefix, and every queue registered for injection. */
@Module({})
export class QueueModule {
  static forRoot(): DynamicModule {
    const queues = Object.values(QueueName).map((name) => ({ name }));
    return {
      module: QueueModule,
      imports: [
        BullModule.forRootAsync({
          inject: [Environment],
          useFactory: (config: Environment) => ({
            prefix: config.REDIS_KEY_PREFIX,
            // BullMQ's blocking commands need maxRetriesPerRequest: null (its documented requirement for workers).
            connection: { ...redisOptionsFromUrl(config.REDIS_URL), maxRetriesPerRequest: null },
          }),
        }),
        BullModule.registerQueue(...queues),
      ],
      providers: [QueueErrorLogger],
      exports: [BullModule],
    };
  }
}
