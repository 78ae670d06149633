import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  LoggerService,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { requestContext } from '../logging/request-context';
import { DomainError, ErrorKind } from './domain-error';
import type { ErrorResponseDto } from './error-response';
import { ValidationFailedException } from './validation-failed.exception';

const STATUS_BY_KIND: Record<ErrorKind, number> = {
  [ErrorKind.InvalidInput]: HttpStatus.BAD_REQUEST,
  [ErrorKind.Unauthenticated]: HttpStatus.UNAUTHORIZED,
  [ErrorKind.Forbidden]: HttpStatus.FORBIDDEN,
  [ErrorKind.NotFound]: HttpStatus.NOT_FOUND,
  [ErrorKind.Conflict]: HttpStatus.CONFLICT,
  [ErrorKind.Locked]: HttpStatus.LOCKED,
  [ErrorKind.TooManyRequests]: HttpStatus.TOO_MANY_REQUESTS,
  [ErrorKind.Unavailable]: HttpStatus.SERVICE_UNAVAILABLE,
};

/**
 * Turns every failure into `{ statusCode, error, message, code?, details?, meta?, requestId }`.
 * Unknown errors become a 500 that carries only the request id: stacks and SQL go to the log, never to the caller.
 */
@Catch()
export class GlobalExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: LoggerService) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request>();
    const body = this.toBody(exception, request);
    if (body.statusCode >= 500) {
      this.logger.error(
        { msg: 'unhandled error', method: request.method, path: request.path, err: describe(exception) },
        'GlobalExceptionFilter',
      );
    }
    const retryAfter = body.meta?.retryAfterSeconds;
    if (body.statusCode === 429 && typeof retryAfter === 'number')
      response.setHeader('Retry-After', String(retryAfter));
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown, request: Request): ErrorResponseDto {
    const requestId = requestContext.requestId() ?? String(request.headers['x-request-id'] ?? '');
    const base = (statusCode: number, message: string): ErrorResponseDto => ({
      statusCode,
      error: STATUS_CODES[statusCode] ?? 'Error',
      message,
      requestId,
    });

    if (exception instanceof DomainError) {
      const statusCode = STATUS_BY_KIND[exception.kind];
      return {
        ...base(statusCode, exception.message),
        code: exception.code,
        details: exception.details,
        meta: exception.meta,
      };
    }
    if (exception instanceof ValidationFailedException) {
      return { ...base(400, 'Validation failed'), code: 'validation_failed', details: exception.details };
    }
    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      const bodyParserError = (exception.cause as { type?: string } | undefined)?.type;
      if (bodyParserError) {
        // Express's body parser failed before any route ran (malformed JSON, body too large, bad charset).
        const message =
          bodyParserError === 'entity.parse.failed' ? 'Request body is not valid JSON' : messageOf(exception);
        return { ...base(statusCode, message), code: bodyParserError.replace(/\./g, '_') };
      }
      if (statusCode === 404 && !(exception.getResponse() as { code?: string }).code) {
        return {
          ...base(404, `No route or resource at ${request.method} ${request.originalUrl.split('?')[0]}`),
          code: 'not_found',
        };
      }
      return { ...base(statusCode, messageOf(exception)), code: codeFor(statusCode) };
    }
    return {
      ...base(500, 'Internal server error; quote the request id when reporting it'),
      code: 'internal_error',
    };
  }
}

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}

function codeFor(status: number): string {
  return (STATUS_CODES[status] ?? 'error').toLowerCase().replace(/[^a-z]+/g, '_');
}

function describe(exception: unknown): Record<string, unknown> {
  if (exception instanceof Error)
    return { name: exception.name, message: exception.message, stack: exception.stack };
  return { value: String(exception) };
}
