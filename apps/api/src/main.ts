import 'reflect-metadata';
import { ConfigValidationError, loadConfig } from '@registry/config';
import { closeOnShutdownSignals, createAppLogger } from '@registry/platform';
import { Logger } from 'nestjs-pino';
import { createApiApp } from './create-api-app';

/** The HTTP API: serves requests and only produces jobs (through the outbox), never consumes them. */
async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const app = await createApiApp(config);
  const logger = app.get(Logger);
  closeOnShutdownSignals(app, config.SHUTDOWN_TIMEOUT_MS, logger);
  await app.listen(config.API_PORT, config.API_HOST);
  logger.log({ msg: 'api listening', url: await app.getUrl() }, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigValidationError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    createAppLogger('api').error({ err: error, context: 'Bootstrap' }, 'start-up failed');
  }
  process.exit(1);
});
