import type { IncomingMessage, ServerResponse } from 'node:http';
import { pinoHttp } from 'pino-http';
import type { AppLogger } from '../logging/logger';
import { redactSensitive } from '../logging/redaction';
import { requestContext } from '../logging/request-context';

type BodyRequest = IncomingMessage & { originalUrl?: string; body?: unknown };

/** The path without its query string, which can hold search terms (a name looked up). */
const pathOf = (req: BodyRequest) => (req.originalUrl ?? req.url ?? '').split('?')[0];

/**
 * One line per request through pino-http: method, path, status and duration, and the request id (from
 * requestIdMiddleware, which runs first) on this line and every line logged while the request is served.
 * Headers are never logged. At debug level the line also carries the request body with every field that could
 * carry identity or health data redacted (redaction.ts), so a request can be replayed in development.
 */
export function accessLogMiddleware(logger: AppLogger) {
  return pinoHttp<BodyRequest, ServerResponse>({
    logger,
    genReqId: (req) => requestContext.requestId() ?? String(req.headers['x-request-id'] ?? ''),
    customAttributeKeys: { reqId: 'requestId', responseTime: 'durationMs' },
    // Lines logged while serving carry the request id only, not the request again.
    quietReqLogger: true,
    serializers: {
      req: (req: { method: string; raw: BodyRequest }) => ({ method: req.method, path: pathOf(req.raw) }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: () => 'request completed',
    customErrorMessage: () => 'request failed',
    // The body is parsed after this middleware ran, so it is read when the response finishes.
    customSuccessObject: (req, _res, fields: object) =>
      logger.isLevelEnabled('debug') && req.body !== undefined
        ? { ...fields, body: redactSensitive(req.body) }
        : fields,
  });
}
