import type { INestApplication, INestApplicationContext, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../apps/api/src/app.module';
import { configureApiApp } from '../../apps/api/src/create-api-app';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { Environment, loadConfig } from '@registry/config';
import { AppLogger, Clock, createAppLogger } from '@registry/platform';
import { Logger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { Client } from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from './test-database';
import { runId, uniqueSuffix } from './test-environment';

/**
 * Logs of the apps under test go nowhere unless TEST_LOGS=1 (JSON lines on stdout, at debug level), or unless a
 * test passes a destination of its own, which gets the lines at the config's LOG_LEVEL.
 */
export function testLogger(service: string, config: Environment, destination?: DestinationStream): AppLogger {
  if (destination) return createAppLogger(service, config.LOG_LEVEL, destination);
  return createAppLogger(service, process.env.TEST_LOGS === '1' ? 'debug' : 'silent');
}

export interface TestSystem {
  config: Environment;
  database: TestDatabase;
  /**
   * Runs SQL as the owner of the schema (on this machine the superuser), for what the apps' role may not do:
   * create a trigger, tamper with the audit trail.
   */
  asOwner<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Drops the database; the run's Redis keys go in the global teardown. */
  shutdown(): Promise<void>;
}

async function queryAs<T>(url: string, sql: string, params?: unknown[]): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/**
 * A database cloned for this test file and a Redis key prefix of its own; the config both apps will read,
 * which connects them as the app role (DATABASE_URL), so every test proves its grants are enough.
 */
export async function createTestSystem(overrides: Record<string, string> = {}): Promise<TestSystem> {
  const database = await createTestDatabase();
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: database.url,
    MIGRATION_DATABASE_URL: database.ownerUrl,
    DATABASE_POOL_SIZE: '5',
    REDIS_KEY_PREFIX: `tr_test_${runId()}_${uniqueSuffix()}`,
    WORKER_HEALTH_PORT: '0',
    LOG_LEVEL: 'error',
    // A test's requests all come from 127.0.0.1, many as one user: limits of their own are set by the tests of them.
    RATE_LIMIT_PER_IP_PER_MINUTE: '1000000',
    RATE_LIMIT_PER_USER_PER_MINUTE: '1000000',
    ...overrides,
  });
  return {
    config,
    database,
    asOwner: (sql, params) => queryAs(database.ownerUrl, sql, params),
    shutdown: () => database.drop(),
  };
}

export interface TestApi {
  app: INestApplication;
  http: () => ReturnType<typeof request>;
  dataSource: DataSource;
  close(): Promise<void>;
}

/** How a test app differs from production: `clock` replaces the system clock (a FixedClock sets the day). */
export interface TestAppOptions {
  clock?: Clock;
  /** Where the app's log lines go (at the config's LOG_LEVEL); see testLogger. */
  logDestination?: DestinationStream;
}

/**
 * The real API (same prefix, pipes, filter and docs as production) on the test system.
 * `extraControllers` lets a test mount a probe route to exercise the global pipe and filter.
 */
export async function startApi(
  config: Environment,
  extraControllers: Type[] = [],
  options: TestAppOptions = {},
): Promise<TestApi> {
  const builder = Test.createTestingModule({
    imports: [AppModule.forRoot(config, testLogger('api', config, options.logDestination))],
    controllers: extraControllers,
  });
  if (options.clock) builder.overrideProvider(Clock).useValue(options.clock);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication({ bufferLogs: true, bodyParser: false });
  await configureApiApp(app);
  await app.init();
  return {
    app,
    http: () => request(app.getHttpServer()),
    dataSource: app.get(DataSource),
    close: () => app.close(),
  };
}

/** A real worker process context (processors, schedulers, health port) on the test system. */
export async function startWorker(
  config: Environment,
  options: TestAppOptions = {},
): Promise<INestApplicationContext> {
  const worker = await NestFactory.createApplicationContext(
    WorkerModule.forRoot(config, {
      clock: options.clock,
      logger: testLogger('worker', config, options.logDestination),
    }),
    { bufferLogs: true },
  );
  worker.useLogger(worker.get(Logger));
  await worker.init();
  return worker;
}
