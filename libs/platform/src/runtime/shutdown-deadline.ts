import type { INestApplicationContext, LoggerService } from '@nestjs/common';

/**
 * On SIGTERM or SIGINT: close the app (Nest runs the shutdown hooks: workers stop taking jobs and finish the
 * ones in flight, the HTTP server stops accepting and drains, then queues, database and Redis close) and
 * exit 0. If that outlasts the deadline, exit 1 anyway; BullMQ then hands stalled jobs to another worker.
 */
export function closeOnShutdownSignals(
  app: INestApplicationContext,
  timeoutMs: number,
  logger: LoggerService,
): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.log({ msg: 'shutting down', signal }, 'Shutdown');
    setTimeout(() => {
      logger.error(
        { msg: 'shutdown deadline passed; exiting with work still in flight', timeoutMs },
        'Shutdown',
      );
      process.exit(1);
    }, timeoutMs).unref();
    app.close().then(
      () => {
        logger.log({ msg: 'shutdown complete' }, 'Shutdown');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error(
          { msg: 'shutdown failed', error: error instanceof Error ? error.message : String(error) },
          'Shutdown',
        );
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
