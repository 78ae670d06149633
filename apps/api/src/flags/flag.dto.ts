import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { PageQueryDto } from '../common/paging';

export class FlagQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    enum: ['open', 'acknowledged', 'closed'],
    default: 'open',
    description: 'open = not yet acknowledged',
  })
  @IsOptional()
  @IsIn(['open', 'acknowledged', 'closed'])
  status: 'open' | 'acknowledged' | 'closed' = 'open';

  @ApiPropertyOptional({ enum: ['eligible', 'one_test_away'] })
  @IsOptional()
  @IsIn(['eligible', 'one_test_away'])
  kind?: 'eligible' | 'one_test_away';

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  trialId?: string;
}

export class FlagDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  @ApiProperty({ example: 'TKY-000123-K' })
  participantId: string;
  @ApiProperty({ format: 'uuid' })
  trialId: string;
  @ApiProperty()
  trialTitle: string;
  @ApiProperty({ enum: ['eligible', 'one_test_away'] })
  kind: string;
  @ApiProperty({ description: 'Counts the times this participant became eligible for this trial' })
  episode: number;
  @ApiProperty({ type: String, nullable: true, description: 'For one_test_away: the test that would decide' })
  test: string | null;
  @ApiProperty({ format: 'date-time' })
  raisedAt: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  acknowledgedAt: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  closedAt: string | null;
  @ApiProperty({ type: String, nullable: true })
  closeReason: string | null;
}

export class FlagPageDto {
  @ApiProperty({ type: [FlagDto] })
  items: FlagDto[];
  @ApiProperty()
  page: number;
  @ApiProperty()
  pageSize: number;
  @ApiProperty()
  total: number;
}

export class EligibilityDto {
  @ApiProperty({ format: 'uuid' })
  trialId: string;
  @ApiProperty()
  trialTitle: string;
  @ApiProperty({ enum: ['eligible', 'ineligible', 'undetermined'] })
  result: string;
  @ApiProperty({ type: String, nullable: true })
  oneTestAway: string | null;
  @ApiProperty()
  criteriaVersion: number;
  @ApiProperty({ description: 'Calendar day at the site for which the explanation was worked out (today)' })
  asOf: string;
  @ApiProperty({ format: 'date-time', description: 'When this result began' })
  since: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'Worked out now with the same criteria version: result, one test away, and every leaf (pass / fail / unknown, value, date, what would decide it)',
  })
  explanation: Record<string, unknown>;
}
