import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Outcome } from '@registry/domain';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { PageQueryDto } from '../common/paging';

// From the Outcome type alone the plugin would list its values in the compiler's order, not this one.
const OUTCOMES = ['pass', 'fail', 'unknown'] as const satisfies readonly Outcome[];

export class FlagQueryDto extends PageQueryDto {
  /** open = not yet acknowledged */
  // Without a question mark (the default fills it in), the plugin would call it required.
  @ApiPropertyOptional()
  @IsOptional()
  @IsIn(['open', 'acknowledged', 'closed'])
  status: 'open' | 'acknowledged' | 'closed' = 'open';

  @IsOptional()
  @IsIn(['eligible', 'one_test_away'])
  kind?: 'eligible' | 'one_test_away';

  @IsOptional()
  @IsUUID()
  trialId?: string;
}

export class FlagDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  /** @example TKY-000123-K */
  participantId: string;
  @ApiProperty({ format: 'uuid' })
  trialId: string;
  trialTitle: string;
  // The rows this is built from type the kind as a string: the enum is said here.
  @ApiProperty({ enum: ['eligible', 'one_test_away'] })
  kind: string;
  /** Counts the times this participant became eligible for this trial */
  episode: number;
  /** For one_test_away: the test that would decide */
  test: string | null;
  @ApiProperty({ format: 'date-time' })
  raisedAt: string;
  @ApiProperty({ type: String, format: 'date-time' })
  acknowledgedAt: string | null;
  @ApiProperty({ type: String, format: 'date-time' })
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
  kind: 'all' | 'any' | 'not' | 'leaf';
  /**
   * JSON path in the criteria document
   * @example $.criteria.of[0].of[1]
   */
  path: string;
  /** This node's own three-valued result */
  @ApiProperty({ enum: OUTCOMES })
  result: Outcome;
  /**
   * Leaves: what the criterion asks
   * @example "APOE e4 alleles >= 1"
   */
  criterion?: string;
  /** Leaves: the value used (number, text, boolean or list), if any */
  value?: unknown;
  /**
   * Leaves: the day of the result used
   * @example 2026-05-01
   */
  date?: string;
  /**
   * Leaves: why it passed or failed, or what would decide it when unknown
   * @example "1 APOE e4 allele: meets APOE e4 alleles >= 1"
   */
  reason?: string;
  /** Unknown leaves: any one of these tests would decide it */
  tests?: string[];
  /** Combinators: their parts in document order (one for `not`) */
  children?: ExplanationNodeDto[];
}

/** A leaf that decided the result. */
export class DecidingLeafDto extends ExplanationNodeDto {
  /** The leaf's result as the whole sees it: swapped once for each `not` above it */
  @ApiProperty({ enum: OUTCOMES })
  effect: Outcome;
}

export class OneTestAwayDto {
  /** @example plasma */
  test: string;
  /** What the test would decide, leaf by leaf */
  needs: string[];
}

export class EligibilityExplanationDto {
  /** The criteria as a tree; the root's result is the determination's result */
  tree: ExplanationNodeDto;
  /** The leaves that decided the result, e.g. not the failing alternatives of an `any` that passed another way */
  summary: DecidingLeafDto[];
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
  screening: 'screened' | 'not_screened';
  /** @example "registered, not yet enrolled" */
  notScreenedReason: string | null;
  // The rows this is built from type the result as a string: the enum is said here.
  @ApiProperty({ type: String, enum: ['eligible', 'ineligible', 'undetermined'] })
  result: string | null;
  oneTestAway: string | null;
  /** The criteria version the result was judged by */
  criteriaVersion: number | null;
  /**
   * Calendar day at the site the result and its explanation were judged for
   * @example 2026-11-24
   */
  asOf: string | null;
  /**
   * When the result and its explanation were computed; kept until the result changes, so a newer visit that
   * changes no result is not in it
   */
  @ApiProperty({ type: String, format: 'date-time' })
  computedAt: string | null;
  /** When this result began */
  @ApiProperty({ type: String, format: 'date-time' })
  since: string | null;
  /**
   * The explanation stored with the result (never one worked out now, which could disagree with it); null
   * when not screened, or for a result stored before explanations were kept until screening next stores one
   */
  explanation: EligibilityExplanationDto | null;
}
