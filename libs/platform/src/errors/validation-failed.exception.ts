import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import type { ErrorDetail } from './domain-error';

/** Raised by the global validation pipe with one detail per failed rule, each naming the field by its path. */
export class ValidationFailedException extends BadRequestException {
  constructor(readonly details: ErrorDetail[]) {
    super('Validation failed');
  }
}

/**
 * A field's path as every error detail names it: dots between properties, brackets around array indexes
 * (`assessments[0].values.total`), the form the domain validators use too. class-validator reports an array
 * element as a child whose property is its index.
 */
export function fieldPath(parentPath: string, property: string): string {
  if (!parentPath) return property;
  return /^\d+$/.test(property) ? `${parentPath}[${property}]` : `${parentPath}.${property}`;
}

export function flattenValidationErrors(errors: ValidationError[], parentPath = ''): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const error of errors) {
    const field = fieldPath(parentPath, error.property);
    for (const [constraint, message] of Object.entries(error.constraints ?? {})) {
      // class-validator names nested fields by their last segment only; say the whole path.
      details.push({
        field,
        constraint,
        message: message
          .replace(/^property (\S+) /, `property ${field} `)
          .replace(new RegExp(`^${escape(error.property)}\\b`), field),
      });
    }
    if (error.children?.length) details.push(...flattenValidationErrors(error.children, field));
  }
  return details;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whitelisting, refusal of unknown properties, and type conversion, for every route. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationFailedException(flattenValidationErrors(errors)),
  });
}
