import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  BreakdownDimension,
  breakdownCategories,
  FeasibilityTally,
  isSuppressed,
  POOL_GROUPS,
  PoolGroup,
  PublishedCount,
} from '@registry/domain';
import { AWAITING_SCREENING, SponsorDisclosure } from '@registry/sponsor-reports';
import { IsObject } from 'class-validator';
import type { PublishedFeasibility } from './feasibility.service';
import type { PoolAnswer } from './pool.service';

/**
 * A count as disclosure control publishes it: a whole number; "<k" for a count from 1 to k-1; "suppressed"
 * for one withheld so that a small one beside it cannot be recomputed (it may be of any size).
 */
const PUBLISHED_COUNT = {
  oneOf: [
    { type: 'integer', minimum: 0 },
    { type: 'string', pattern: '^(<[0-9]+|suppressed)$', example: '<11' },
  ],
};
const COUNTS_BY_CATEGORY = { type: 'object', additionalProperties: PUBLISHED_COUNT } as const;

/** How the counts of an answer were protected, so that a reader can interpret them. */
export class DisclosureDto {
  /** Counts from 1 to this minus 1 appear as "<k" */
  minimumCellSize: number;
  /** Other counts but 0 are rounded to a multiple of this, after noise */
  roundTo: number;
  /** The noise added before rounding is a whole number from -noiseBound to noiseBound */
  noiseBound: number;

  static of(disclosure: SponsorDisclosure): DisclosureDto {
    const { minimumCellSize, roundTo, noiseBound } = disclosure.settings;
    return { minimumCellSize, roundTo, noiseBound };
  }
}

/** One group of a pool with its breakdowns: each dimension's categories add up to the total before protection. */
export class PoolGroupDto {
  @ApiProperty(PUBLISHED_COUNT)
  total: PublishedCount;
  /** By site code */
  @ApiProperty(COUNTS_BY_CATEGORY)
  site: Record<string, PublishedCount>;
  /** By 5-year age band on the site's calendar day (under_50 ... 90_and_over) */
  @ApiProperty(COUNTS_BY_CATEGORY)
  ageBand: Record<string, PublishedCount>;
  @ApiProperty(COUNTS_BY_CATEGORY)
  sex: Record<string, PublishedCount>;
  /** APOE e4 carrier, non_carrier or unknown */
  @ApiProperty(COUNTS_BY_CATEGORY)
  apoeE4: Record<string, PublishedCount>;
  /** The current amyloid status: positive, intermediate, negative or unknown */
  @ApiProperty(COUNTS_BY_CATEGORY)
  amyloidBand: Record<string, PublishedCount>;
  /** The modality of that status: pet, csf, plasma, or none */
  @ApiProperty(COUNTS_BY_CATEGORY)
  amyloidModality: Record<string, PublishedCount>;
  /** One-test-away group only: by the test that would decide */
  @ApiPropertyOptional(COUNTS_BY_CATEGORY)
  byTest?: Record<string, PublishedCount>;
}

export class MonthlyCountDto {
  /** @example 2026-11 */
  month: string;
  @ApiProperty(PUBLISHED_COUNT)
  count: PublishedCount;
}

export class PoolGroupsDto {
  eligible: PoolGroupDto;
  /** Undetermined for lack of one named test */
  oneTestAway: PoolGroupDto;
  /** Undetermined for lack of more than one fact */
  undetermined: PoolGroupDto;
}

/** The pool of a trial at its sites, as its sponsor may see it. */
export class TrialPoolDto {
  @ApiProperty({ format: 'uuid' })
  trialId: string;
  criteriaVersion: number;
  /** The calendar day (latest among the trial's sites) the counts hold for */
  @ApiProperty({ type: String, format: 'date' })
  asOf: string | null;
  /**
   * When the cohort counted was read: pools come from a snapshot of the cohort read again as data change
   * (for a large registry, in the background: the counts may then be minutes old)
   */
  @ApiProperty({ format: 'date-time' })
  dataAsOf: string;
  disclosure: DisclosureDto;
  pool: PoolGroupsDto;
  /** Counted people not yet judged at this criteria version (a re-screen is running) */
  @ApiProperty(PUBLISHED_COUNT)
  awaitingScreening: PublishedCount;
  /** Became eligible (an eligibility flag raised) per month over the last 24 months, this one included */
  trend: MonthlyCountDto[];
  /** One test away with that test on a visit already planned, by the month of the visit, next 6 months */
  projection: MonthlyCountDto[];

  static from(this: void, answer: PoolAnswer, disclosure: SponsorDisclosure): TrialPoolDto {
    const { counts } = answer;
    return {
      trialId: answer.trial.id,
      criteriaVersion: answer.trial.criteriaVersion,
      asOf: answer.asOf,
      dataAsOf: answer.dataAsOf.toISOString(),
      disclosure: DisclosureDto.of(disclosure),
      pool: poolGroups(counts, answer.siteCodes, answer.testsNeeded),
      awaitingScreening: counts[AWAITING_SCREENING],
      trend: answer.trendMonths.map((month) => ({ month, count: counts[`trend.${month}`] })),
      projection: answer.projectionMonths.map((month) => ({ month, count: counts[`projection.${month}`] })),
    };
  }
}

export class FeasibilityQueryDto {
  @ApiProperty({
    description:
      'Criteria document { language: 1, criteria: {...} }, as a trial takes (see GET /trials/templates)',
  })
  @IsObject()
  criteria: Record<string, unknown>;
}

export class FunnelStepDto {
  /** JSON path of the top-level criterion in the document @example $.criteria.of[0] */
  path: string;
  criterion: string;
  /** Still in after this step: no criterion so far fails (an unknown one does not exclude) */
  @ApiProperty(PUBLISHED_COUNT)
  remaining: PublishedCount;
  /** Excluded by this step */
  @ApiProperty(PUBLISHED_COUNT)
  excluded: PublishedCount;
}

export class FunnelDto {
  /** Everyone counted: consented to sharing counts with sponsors, not withdrawn, deceased or in a trial */
  @ApiProperty(PUBLISHED_COUNT)
  start: PublishedCount;
  steps: FunnelStepDto[];
  /** Excluded by any step */
  @ApiProperty(PUBLISHED_COUNT)
  excluded: PublishedCount;
}

export class ReasonDto {
  /** ineligible: the criterion failed; undetermined: it could not be decided */
  @ApiProperty({ enum: ['ineligible', 'undetermined'] })
  kind: 'ineligible' | 'undetermined';
  path: string;
  criterion: string;
  /**
   * How many it decided, for the ineligible; null for the undetermined, whose counts could be worked out
   * against the one-test-away counts (how many lack each test is in pool.oneTestAway.byTest)
   */
  @ApiProperty({ ...PUBLISHED_COUNT, nullable: true })
  count: PublishedCount | null;
}

/** What a criteria document would find across the registry's active sites; nothing is saved. */
export class FeasibilityDto {
  /** SHA-256 of the document's canonical JSON, as audited */
  queryHash: string;
  /** When the cohort counted was read: answers come from a projection rebuilt every few minutes */
  @ApiProperty({ format: 'date-time' })
  dataAsOf: string;
  disclosure: DisclosureDto;
  funnel: FunnelDto;
  pool: PoolGroupsDto;
  /**
   * The commonest reasons people are ineligible (at most 10, most common first, with counts), then those
   * they are undetermined for (at most 10, most common first, names only)
   */
  reasons: ReasonDto[];

  static from(this: void, answer: PublishedFeasibility, disclosure: SponsorDisclosure): FeasibilityDto {
    const { counts } = answer;
    const ineligible: ReasonDto[] = answer.reasons
      .map(({ kind, path, criterion, key }) => ({ kind, path, criterion, count: counts[key] }))
      // By what is published, never by the raw counts, which would rank the suppressed ones.
      .sort((a, b) => rankOf(b.count) - rankOf(a.count) || a.path.localeCompare(b.path))
      .slice(0, 10);
    const undetermined: ReasonDto[] = answer.undeterminedReasons
      .slice(0, 10)
      .map(({ kind, path, criterion }) => ({ kind, path, criterion, count: null }));
    const reasons = [...ineligible, ...undetermined];
    return {
      queryHash: answer.queryHash,
      dataAsOf: answer.dataAsOf.toISOString(),
      disclosure: DisclosureDto.of(disclosure),
      funnel: {
        start: counts[FeasibilityTally.START],
        steps: answer.steps.map((step, i) => ({
          ...step,
          remaining: counts[FeasibilityTally.remainingKey(i)],
          excluded: counts[FeasibilityTally.excludedKey(i)],
        })),
        excluded: counts[FeasibilityTally.EXCLUDED_TOTAL],
      },
      pool: poolGroups(counts, answer.siteCodes, answer.testsNeeded),
      reasons,
    };
  }
}

const rankOf = (count: PublishedCount) => (isSuppressed(count) ? 0.5 : count);

function poolGroups(
  counts: Record<string, PublishedCount>,
  siteCodes: readonly string[],
  testsNeeded: readonly string[],
): PoolGroupsDto {
  const categories = breakdownCategories(siteCodes);
  const group = (name: PoolGroup): PoolGroupDto => {
    const dto = { total: counts[`pool.${name}.total`] } as PoolGroupDto;
    for (const [dimension, values] of Object.entries(categories) as [BreakdownDimension, readonly string[]][])
      dto[dimension] = Object.fromEntries(
        values.map((value) => [value, counts[`pool.${name}.${dimension}.${value}`]]),
      );
    if (name === 'oneTestAway')
      dto.byTest = Object.fromEntries(
        testsNeeded.map((test) => [test, counts[`pool.oneTestAway.test.${test}`]]),
      );
    return dto;
  };
  return Object.fromEntries(POOL_GROUPS.map((name) => [name, group(name)])) as unknown as PoolGroupsDto;
}
