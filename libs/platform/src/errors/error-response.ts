import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ErrorDetail } from './domain-error';

export class ErrorDetailDto implements ErrorDetail {
  @ApiProperty({ example: 'mmse.total', description: 'Path of the offending field in the request' })
  field: string;
  @ApiProperty({ example: 'max', description: 'The rule that failed' })
  constraint: string;
  @ApiProperty({ example: 'mmse.total must not be greater than 30' })
  message: string;
}

/** The one shape of every error response. */
export class ErrorResponseDto {
  @ApiProperty({ example: 400 })
  statusCode: number;
  @ApiProperty({ example: 'Bad Request', description: 'HTTP reason phrase' })
  error: string;
  @ApiProperty({ example: 'Validation failed' })
  message: string;
  @ApiPropertyOptional({ example: 'validation_failed', description: 'Stable machine-readable error code' })
  code?: string;
  @ApiPropertyOptional({ type: [ErrorDetailDto] })
  details?: ErrorDetailDto[];
  @ApiPropertyOptional({
    description: 'Extra facts the caller can act on',
    type: 'object',
    additionalProperties: true,
  })
  meta?: Record<string, unknown>;
  @ApiProperty({ example: '6f1c0a0e-7a55-4a55-9c2e-0f6e0f7f9a10' })
  requestId: string;
}
