import { Type } from 'class-transformer';
import { IsArray, IsInt, IsString, Max, ValidateNested } from 'class-validator';
import { createValidationPipe, ValidationFailedException } from './validation-failed.exception';

class ScoreDto {
  @IsInt()
  @Max(30)
  total: number;
}

class AssessmentDto {
  @IsString()
  type: string;

  @ValidateNested()
  @Type(() => ScoreDto)
  values: ScoreDto;
}

class VisitDto {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => AssessmentDto)
  assessments: AssessmentDto[];
}

async function detailsFor(body: unknown) {
  try {
    await createValidationPipe().transform(body, { type: 'body', metatype: VisitDto });
  } catch (error) {
    if (error instanceof ValidationFailedException) return error.details;
    throw error;
  }
  throw new Error('expected the body to be refused');
}

describe('validation error details', () => {
  it('name array elements in brackets, as the domain validators do: assessments[1].values.total', async () => {
    const details = await detailsFor({
      assessments: [
        { type: 'mmse', values: { total: 29 } },
        { type: 7, values: { total: 31 } },
      ],
    });
    expect(details).toEqual([
      {
        field: 'assessments[1].type',
        constraint: 'isString',
        message: 'assessments[1].type must be a string',
      },
      {
        field: 'assessments[1].values.total',
        constraint: 'max',
        message: 'assessments[1].values.total must not be greater than 30',
      },
    ]);
  });
});
