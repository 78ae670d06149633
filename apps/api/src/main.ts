import 'reflect-metadata';
import { ConfigValidationError, loadConfig } from '@registry/config';
import { closeOnShutdownSignals, JsonLogger } from '@registry/platform';
import { createApiApp } from './create-api-app';

/** The HTTP API: serves requests and only produces jobs (through the outbox), never consumes them. */
async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const logger = new JsonLogger('api', config.LOG_LEVEL);
  const app = await createApiApp(config, logger);
  closeOnShutdownSignals(app, config.SHUTDOWN_TIMEOUT_MS, logger);
  await app.listen(config.API_PORT, config.API_HOST);
  logger.log({ msg: 'api listening', url: await app.getUrl() }, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigValidationError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    new JsonLogger('api').error(error instanceof Error ? error : String(error), 'Bootstrap');
  }
  process.exit(1);
});
