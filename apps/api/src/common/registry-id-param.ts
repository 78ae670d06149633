import { Param, PipeTransform } from '@nestjs/common';
import { isValidRegistryId } from '@registry/domain';
import { ValidationFailedException } from '@registry/platform';

class RegistryIdPipe implements PipeTransform<string, string> {
  constructor(private readonly name: string) {}

  transform(value: string): string {
    if (!isValidRegistryId(value)) {
      throw new ValidationFailedException([
        {
          field: this.name,
          constraint: 'isRegistryId',
          message: `${this.name} must be a registry id such as TKY-000123-K (check character included)`,
        },
      ]);
    }
    return value;
  }
}

/** A path parameter holding a registry id, its check character verified. */
export const RegistryIdParam = (name = 'participantId') => Param(name, new RegistryIdPipe(name));
