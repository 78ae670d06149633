import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from './error-response';

/** The error statuses a route can answer with; each is documented with the one error shape. */
export type ApiErrorStatus = 400 | 401 | 403 | 404 | 409 | 429;

/** What each status means here, unless a route says more precisely. */
const DEFAULT_DESCRIPTIONS: Record<ApiErrorStatus, string> = {
  400: 'Invalid input: `details` names each field by its path and the rule it broke',
  401: 'No valid access token',
  403: 'Your role may not do this',
  404: 'Not found, or not visible to you',
  409: 'Conflicts with the current state; `code` says which rule',
  429: 'Too many requests; see Retry-After',
};

export type ApiErrorSpec = ApiErrorStatus | { status: ApiErrorStatus; description: string };

/**
 * Documents a route's (or every route of a controller's) error responses, all in ErrorResponseDto's shape:
 * `@ApiErrors(404, { status: 409, description: 'Already accepted or declined' })`. A status documented on a
 * method replaces the same status documented on its controller.
 */
export function ApiErrors(...errors: ApiErrorSpec[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...errors.map((error) => {
      const { status, description } =
        typeof error === 'number' ? { status: error, description: DEFAULT_DESCRIPTIONS[error] } : error;
      return ApiResponse({ status, description, type: ErrorResponseDto });
    }),
  );
}
