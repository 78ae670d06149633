import { Param, ParseUUIDPipe } from '@nestjs/common';
import { ValidationFailedException } from '@registry/platform';

/** A path parameter that must be a UUID; otherwise 400 naming the parameter. */
export const UuidParam = (name = 'id') =>
  Param(
    name,
    new ParseUUIDPipe({
      exceptionFactory: () =>
        new ValidationFailedException([
          { field: name, constraint: 'isUuid', message: `${name} must be a UUID` },
        ]),
    }),
  );
