import { DomainError, ErrorKind } from '@registry/platform';

// One answer for every failed log-in, so that nobody can learn which addresses have accounts or are locked.
export const loginFailed = () =>
  new DomainError(
    ErrorKind.Unauthenticated,
    'auth.login_failed',
    'Log-in failed: wrong e-mail or password, or the account is locked or inactive',
  );

export const unauthenticated = () =>
  new DomainError(ErrorKind.Unauthenticated, 'auth.unauthenticated', 'A valid access token is required');

export const invalidRefreshToken = () =>
  new DomainError(
    ErrorKind.Unauthenticated,
    'auth.invalid_refresh_token',
    'The refresh token is invalid or expired',
  );

export const forbidden = () =>
  new DomainError(ErrorKind.Forbidden, 'auth.forbidden', 'Your role may not do this');

export const tooManyAttempts = (retryAfterSeconds: number) =>
  new DomainError(
    ErrorKind.TooManyRequests,
    'auth.rate_limited',
    'Too many log-in attempts from this address; try again later',
    undefined,
    { retryAfterSeconds },
  );
