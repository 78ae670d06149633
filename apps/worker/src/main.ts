import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigValidationError, loadConfig } from '@registry/config';
import { closeOnShutdownSignals, createAppLogger } from '@registry/platform';
import { Logger } from 'nestjs-pino';
import { WorkerModule } from './worker.module';

/** The worker: consumes jobs and runs schedulers; its only HTTP is the health port. */
async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { bufferLogs: true });
  const logger = app.get(Logger);
  app.useLogger(logger);
  closeOnShutdownSignals(app, config.SHUTDOWN_TIMEOUT_MS, logger);
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigValidationError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    createAppLogger('worker').error({ err: error, context: 'Bootstrap' }, 'start-up failed');
  }
  process.exit(1);
});
