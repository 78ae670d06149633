import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { Environment } from '@registry/config';
import Redis from 'ioredis';
import { redisOptionsFromUrl } from './redis-options';

/**
 * A plain Redis connection for health checks and small reads. It fails fast while Redis is away
 * (no offline queue), so a readiness probe answers at once instead of hanging.
 */
@Injectable()
export class RedisClient implements OnApplicationShutdown {
  readonly connection: Redis;

  constructor(@Inject(Environment) config: Environment) {
    this.connection = new Redis({
      ...redisOptionsFromUrl(config.REDIS_URL),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      lazyConnect: false,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    });
    // Without a listener ioredis prints every reconnect failure as an unhandled error.
    this.connection.on('error', () => undefined);
  }

  onApplicationShutdown(): void {
    this.connection.disconnect();
  }
}

@Global()
@Module({ providers: [RedisClient], exports: [RedisClient] })
export class RedisModule {}
