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
  closeReason: string | null;
}

export class FlagPageDto {
  items: FlagDto[];
  page: number;
  pageSize: number;
  total: number;
}

/** One node of an explanation tree: a combinator with its parts, or a leaf with the fact it used. */
export class ExplanationNodeDto {
  @ApiProperty({ enum: ['all', 'any', 'not', 'leaf'] })
  kind: string;
  @ApiProperty({ example: '$.criteria.of[0].of[1]', description: 'JSON path in the criteria document' })
  path: string;
  @ApiProperty({ enum: ['pass', 'fail', 'unknown'], description: "This node's own three-valued result" })
  result: string;
  @ApiPropertyOptional({ example: 'APOE e4 alleles >= 1', description: 'Leaves: what the criterion asks' })
  criterion?: string;
  @ApiPropertyOptional({ description: 'Leaves: the value used (number, text, boolean or list), if any' })
  value?: unknown;
  @ApiPropertyOptional({ example: '2026-05-01', description: 'Leaves: the day of the result used' })
  date?: string;
  @ApiPropertyOptional({
    example: '1 APOE e4 allele: meets APOE e4 alleles >= 1',
    description: 'Leaves: why it passed or failed, or what would decide it when unknown',
  })
  reason?: string;
  @ApiPropertyOptional({
    type: [String],
    description: 'Unknown leaves: any one of these tests would decide it',
  })
  tests?: string[];
  @ApiPropertyOptional({
    type: () => [ExplanationNodeDto],
    description: 'Combinators: their parts in document order (one for `not`)',
  })
  children?: ExplanationNodeDto[];
}

/** A leaf that decided the result. */
export class DecidingLeafDto extends ExplanationNodeDto {
  @ApiProperty({
    enum: ['pass', 'fail', 'unknown'],
    description: "The leaf's result as the whole sees it: swapped once for each `not` above it",
  })
  effect: string;
}

export class OneTestAwayDto {
  @ApiProperty({ example: 'plasma' })
  test: string;
  @ApiProperty({ type: [String], description: 'What the test would decide, leaf by leaf' })
  needs: string[];
}

export class EligibilityExplanationDto {
  @ApiProperty({
    type: ExplanationNodeDto,
    description: "The criteria as a tree; the root's result is the determination's result",
  })
  tree: ExplanationNodeDto;
  @ApiProperty({
    type: [DecidingLeafDto],
    description:
      'The leaves that decided the result, e.g. not the failing alternatives of an `any` that passed another way',
  })
  summary: DecidingLeafDto[];
  @ApiProperty({ type: OneTestAwayDto, nullable: true })
  oneTestAway: OneTestAwayDto | null;
}

/**
 * One trial's determination for a participant, as screening stored it. A participant who has only
 * registered is not screened: `screening` is `not_screened`, `notScreenedReason` says why, and every field
 * of the determination is null (a client shows the reason instead of a result).
 */
export class EligibilityDto {
  @ApiProperty({ format: 'uuid' })
  trialId: string;
  trialTitle: string;
  @ApiProperty({ enum: ['screened', 'not_screened'] })
  screening: 'screened' | 'not_screened';
  @ApiProperty({ type: String, nullable: true, example: 'registered, not yet enrolled' })
  notScreenedReason: string | null;
  @ApiProperty({ enum: ['eligible', 'ineligible', 'undetermined'], nullable: true })
  result: string | null;
  oneTestAway: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'The criteria version the result was judged by' })
  criteriaVersion: number | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '2026-11-24',
    description: 'Calendar day at the site the result and its explanation were judged for',
  })
  asOf: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    format: 'date-time',
    description:
      'When the result and its explanation were computed; kept until the result changes, so a newer visit that changes no result is not in it',
  })
  computedAt: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: 'When this result began' })
  since: string | null;
  @ApiProperty({
    type: EligibilityExplanationDto,
    nullable: true,
    description:
      'The explanation stored with the result (never one worked out now, which could disagree with it); null when not screened, or for a result stored before explanations were kept until screening next stores one',
  })
  explanation: EligibilityExplanationDto | null;
}
