import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RedisClient } from '../redis/redis.module';

export type DependencyState = 'up' | 'down';

export interface ReadinessReport {
  status: 'ready' | 'not_ready';
  dependencies: { database: DependencyState; redis: DependencyState };
  /** Names of the parts that are down, e.g. ['redis']. */
  failing: string[];
}

const PROBE_TIMEOUT_MS = 1500;

/** Readiness of the two things every process needs: PostgreSQL and Redis. */
@Injectable()
export class HealthService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly redis: RedisClient,
  ) {}

  async readiness(): Promise<ReadinessReport> {
    const [database, redis] = await Promise.all([
      probe(() => this.dataSource.query('SELECT 1')),
      probe(() => this.redis.connection.ping()),
    ]);
    const dependencies = { database, redis };
    const failing = Object.entries(dependencies)
      .filter(([, state]) => state === 'down')
      .map(([name]) => name);
    return { status: failing.length === 0 ? 'ready' : 'not_ready', dependencies, failing };
  }
}

async function probe(check: () => Promise<unknown>): Promise<DependencyState> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), PROBE_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return 'up';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}
