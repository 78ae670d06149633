import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigValidationError, loadConfig } from '@registry/config';
import { closeOnShutdownSignals, JsonLogger } from '@registry/platform';
import { WorkerModule } from './worker.module';

/** The worker: consumes jobs and runs schedulers; its only HTTP is the health port. */
async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const logger = new JsonLogger('worker', config.LOG_LEVEL);
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { logger });
  closeOnShutdownSignals(app, config.SHUTDOWN_TIMEOUT_MS, logger);
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigValidationError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    new JsonLogger('worker').error(error instanceof Error ? error : String(error), 'Bootstrap');
  }
  process.exit(1);
});
