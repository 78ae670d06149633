import type { LogLevel } from '@registry/config';
import pino, { DestinationStream, Logger } from 'pino';
import { REDACTED, redactSensitive } from './redaction';

export type AppLogger = Logger;

/**
 * Fixed paths pino itself censors, for what arrives as bindings rather than as the object of one line (a child
 * logger's fields skip the `log` formatter): headers, should a serializer ever pass them on.
 */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-metrics-token"]',
  'res.headers["set-cookie"]',
];

/**
 * The process's pino logger: one JSON object a line on stdout (or `destination`), with the service name, the
 * level as a word and an ISO time, and every field that could carry identity or health data redacted at any
 * depth (redaction.ts). Nest logs through it via nestjs-pino (LoggingModule).
 */
export function createAppLogger(
  service: string,
  level: LogLevel | 'silent' = 'info',
  destination?: DestinationStream,
): AppLogger {
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => redactSensitive(object) as Record<string, unknown>,
    },
    serializers: {
      // Errors keep name, message and stack; driver fields that quote values (detail, parameters) are redacted.
      err: (error: unknown) => redactSensitive({ ...pino.stdSerializers.err(error as Error) }),
    },
    redact: { paths: REDACTED_PATHS, censor: REDACTED },
  };
  return destination ? pino(options, destination) : pino(options);
}
