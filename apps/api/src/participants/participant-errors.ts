import { ConsentScope, ParticipantStatus } from '@registry/domain';
import { DomainError, ErrorKind } from '@registry/platform';

export const transitionNotAllowed = (
  from: ParticipantStatus,
  to: ParticipantStatus,
  allowed: ParticipantStatus[],
) =>
  new DomainError(
    ErrorKind.Conflict,
    'participant.transition_not_allowed',
    `A participant cannot go from ${from} to ${to}; allowed: ${allowed.length ? allowed.join(', ') : 'none (final status)'}`,
    undefined,
    { from, to, allowed },
  );

export const missingConsent = (scope: ConsentScope, action: string) =>
  new DomainError(
    ErrorKind.Conflict,
    'consent.scope_missing',
    `The participant's consent does not cover ${action}: the "${scope}" scope is not held`,
    undefined,
    { missingScope: scope },
  );

// Site codes only: another site's participant is not revealed beyond "exists there".
export const possibleDuplicate = (matchingSites: string[]) =>
  new DomainError(
    ErrorKind.Conflict,
    'participant.possible_duplicate',
    'A person with the same name and birth date is already enrolled; confirm with acknowledgeDuplicate',
    undefined,
    { matchingSites },
  );

export const tooManyDuplicateChecks = (retryAfterSeconds: number) =>
  new DomainError(
    ErrorKind.TooManyRequests,
    'participant.duplicate_checks_rate_limited',
    'Too many enrolment attempts (each checks every site for the same person); try again later',
    undefined,
    { retryAfterSeconds },
  );

export const invalidField = (field: string, constraint: string, message: string) =>
  new DomainError(ErrorKind.InvalidInput, 'validation_failed', message, [{ field, constraint, message }]);
