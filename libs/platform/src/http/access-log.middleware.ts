import type { LoggerService } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { requestContext } from '../logging/request-context';

/**
 * One line per request: method, route path (no query string, which can hold search terms), status and duration.
 * Bodies are never logged: they can hold names, contacts and clinical values.
 */
export function accessLogMiddleware(logger: LoggerService) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    // Captured now: the 'finish' event fires outside the request's async context.
    const requestId = requestContext.requestId();
    res.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      logger.log(
        {
          msg: 'request completed',
          requestId,
          method: req.method,
          path: req.originalUrl.split('?')[0],
          status: res.statusCode,
          durationMs: Math.round(durationMs * 10) / 10,
        },
        'Http',
      );
    });
    next();
  };
}
