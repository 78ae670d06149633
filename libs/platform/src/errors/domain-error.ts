/** How a domain error maps to HTTP; the filter is the only place that knows the numbers. */
export enum ErrorKind {
  InvalidInput = 'invalid_input',
  Unauthenticated = 'unauthenticated',
  Forbidden = 'forbidden',
  NotFound = 'not_found',
  Conflict = 'conflict',
  Locked = 'locked',
  TooManyRequests = 'too_many_requests',
  Unavailable = 'unavailable',
}

export interface ErrorDetail {
  field: string;
  constraint: string;
  message: string;
}

/**
 * A failure the caller can act on, with a stable machine-readable code (e.g. `participant.transition_not_allowed`).
 * Services throw these; they never build HTTP responses themselves.
 */
export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
    /** Extra, non-sensitive facts for the caller (e.g. the allowed transitions). */
    readonly meta?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const invalidInput = (field: string, constraint: string, message: string): DomainError =>
  new DomainError(ErrorKind.InvalidInput, 'validation_failed', message, [{ field, constraint, message }]);

export const notFound = (what: string): DomainError =>
  new DomainError(ErrorKind.NotFound, 'not_found', `${what} not found`);
