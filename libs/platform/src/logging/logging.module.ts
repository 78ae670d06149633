import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { AppLogger } from './logger';

/** The process's pino logger, for what logs through pino directly (the HTTP access log). */
export const APP_LOGGER = Symbol('APP_LOGGER');

/**
 * Nest logs through pino with nestjs-pino: `app.useLogger(app.get(Logger))` (nestjs-pino's Logger) after
 * creating the app with `bufferLogs: true`. The access log (pino-http, accessLogMiddleware) is mounted by the
 * API before the body parser, so that every request is logged, malformed ones too; nestjs-pino reuses its
 * request logger (`useExisting`), so lines logged while serving a request carry its request id.
 *
 * nestjs-pino keeps one root logger per process (the first one configured): a process runs one app, and a test
 * that starts the API and a worker in one process gets the lines of both on the first one's destination.
 */
@Module({})
export class LoggingModule {
  static forRoot(logger: AppLogger): DynamicModule {
    return {
      module: LoggingModule,
      global: true,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: { logger },
          useExisting: true,
          // The context of a line (the class that logged it) under the key the hand-written logger used.
          renameContext: 'context',
        }),
      ],
      providers: [{ provide: APP_LOGGER, useValue: logger }],
      exports: [APP_LOGGER],
    };
  }
}
