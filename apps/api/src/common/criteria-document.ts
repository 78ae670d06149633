import { validateCriteriaDocument } from '@registry/domain';
import { DomainError, ErrorKind } from '@registry/platform';

/**
 * Refuses a criteria document (a trial's, or a feasibility query's) with 400 naming each problem by its JSON
 * path under `criteria`: both are judged by one validator, so a feasibility query that passes can become a
 * trial unchanged.
 */
export function checkCriteriaDocument(criteria: unknown): void {
  const problems = validateCriteriaDocument(criteria);
  if (problems.length > 0) {
    throw new DomainError(
      ErrorKind.InvalidInput,
      'criteria.invalid',
      `The criteria document has ${problems.length} problem(s)`,
      problems.map((p) => ({
        field: `criteria${p.path.slice(1)}`,
        constraint: p.constraint,
        message: p.message,
      })),
    );
  }
}
