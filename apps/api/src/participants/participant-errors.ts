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

export const invalidField = (field: string, constraint: string, message: string) =>
  new DomainError(ErrorKind.InvalidInput, 'validation_failed', message, [{ field, constraint, message }]);
