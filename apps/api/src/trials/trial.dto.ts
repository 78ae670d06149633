import { ApiProperty } from '@nestjs/swagger';
import { INITIAL_TRIAL_STATUSES, TRIAL_STATUSES, TrialStatus } from '@registry/domain';
import {
  TRIAL_SITE_PROPOSAL_STATES,
  TrialEntity,
  TrialSiteProposalEntity,
  TrialSiteProposalState,
} from '@registry/persistence';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';

const CRITERIA_DESCRIPTION =
  'Criteria document { language: 1, criteria: {...} }: combinators all / any / not and leaves age, sex, education_years, ' +
  'apoe_e4_alleles, family_history, study_partner, status, consent, measure, amyloid, not_in_other_trial (see GET /trials/templates)';

export class CreateTrialDto {
  /** @example "AHEAD 3-45, A45 arm" */
  @IsString()
  @MinLength(3)
  @MaxLength(300)
  title: string;

  /**
   * ClinicalTrials.gov NCT number or jRCT number
   * @example NCT04468659
   */
  @Matches(/^(NCT[0-9]{8}|jRCT[0-9a-z]{8,12})$/, {
    message: 'registryNumber must be an NCT number (NCT + 8 digits) or a jRCT number',
  })
  registryNumber: string;

  /** @example 3 */
  @Matches(/^(1|1\/2|2|2\/3|3|4)$/, { message: 'phase must be one of 1, 1/2, 2, 2/3, 3, 4' })
  phase: string;

  /** Draft (not screened yet) or recruiting; a trial is never created closed or paused. @example draft */
  // Pins the declared order: from the type alone the plugin lists the values in the compiler's order.
  @ApiProperty({ enum: INITIAL_TRIAL_STATUSES })
  @IsIn(INITIAL_TRIAL_STATUSES)
  status: TrialStatus;

  /** Sites proposed to take part; each joins (and is screened) once an admin or the site accepts */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  siteIds: string[];

  /** @example 1400 */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  targetEnrolment: number;

  @ApiProperty({ description: CRITERIA_DESCRIPTION })
  @IsObject()
  criteria: Record<string, unknown>;
}

export class UpdateTrialDto {
  /**
   * Only recruiting trials are screened; draft -> recruiting -> paused / closed (409 names the allowed
   * moves); closing closes the trial's open referrals and flags
   */
  // Pins the declared order: from the type alone the plugin lists the values in the compiler's order.
  @ApiProperty({ enum: TRIAL_STATUSES })
  @IsOptional()
  @IsIn(TRIAL_STATUSES)
  status?: TrialStatus;

  @IsOptional()
  @IsString()
  @MinLength(3)
  @MaxLength(300)
  title?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  targetEnrolment?: number;
}

export class UpdateCriteriaDto {
  @ApiProperty({ description: CRITERIA_DESCRIPTION })
  @IsObject()
  criteria: Record<string, unknown>;
}

export class TrialDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  @ApiProperty({ format: 'uuid' })
  sponsorOrganisationId: string;
  title: string;
  registryNumber: string;
  phase: string;
  // Pins the declared order: from the type alone the plugin lists the values in the compiler's order.
  @ApiProperty({ enum: TRIAL_STATUSES })
  status: TrialStatus;
  targetEnrolment: number;
  /** Sites taking part (accepted): the ones screened */
  siteIds: string[];
  siteProposals: SiteProposalStateDto[];
  /** Version of the criteria in force */
  criteriaVersion: number;
  criteria: Record<string, unknown>;

  static from(this: void, trial: TrialEntity, criteria: Record<string, unknown>): TrialDto {
    return {
      id: trial.id,
      sponsorOrganisationId: trial.sponsorOrganisationId,
      title: trial.title,
      registryNumber: trial.registryNumber,
      phase: trial.phase,
      status: trial.status,
      targetEnrolment: trial.targetEnrolment,
      siteIds: (trial.sites ?? []).map((s) => s.id).sort(),
      siteProposals: (trial.siteProposals ?? [])
        .map(SiteProposalStateDto.from)
        .sort((a, b) => a.siteId.localeCompare(b.siteId)),
      criteriaVersion: trial.criteriaVersion,
      criteria,
    };
  }
}

export class SiteProposalStateDto {
  @ApiProperty({ format: 'uuid' })
  siteId: string;
  state: TrialSiteProposalState;
  @ApiProperty({ format: 'date-time' })
  proposedAt: string;
  @ApiProperty({ type: String, format: 'date-time' })
  decidedAt: string | null;

  static from(this: void, proposal: TrialSiteProposalEntity): SiteProposalStateDto {
    return {
      siteId: proposal.siteId,
      state: proposal.state,
      proposedAt: proposal.proposedAt.toISOString(),
      decidedAt: proposal.decidedAt?.toISOString() ?? null,
    };
  }
}

/** A proposal as the site sees it: which trial asks, so that the site can decide. */
export class SiteProposalDto extends SiteProposalStateDto {
  @ApiProperty({ format: 'uuid' })
  trialId: string;
  trialTitle: string;
  registryNumber: string;
  phase: string;

  static fromProposal(this: void, proposal: TrialSiteProposalEntity): SiteProposalDto {
    return {
      ...SiteProposalStateDto.from(proposal),
      trialId: proposal.trialId,
      trialTitle: proposal.trial!.title,
      registryNumber: proposal.trial!.registryNumber,
      phase: proposal.trial!.phase,
    };
  }
}

export class SiteProposalQueryDto {
  /** Default: every state */
  @IsOptional()
  @IsIn(TRIAL_SITE_PROPOSAL_STATES)
  state?: TrialSiteProposalState;
}

export class TrialTemplateDto {
  /** @example a4 */
  key: string;
  title: string;
  registryNumber: string;
  phase: string;
  /** Where the criteria come from */
  source: string;
  criteria: Record<string, unknown>;
}

/** The answer to a criteria update: the trial at its new criteria version, and the re-screen it started. */
export class CriteriaUpdatedDto {
  trial: TrialDto;
  /** The screening run started (GET /trials/{id}/screening-runs/{runId}); null unless the trial is recruiting */
  @ApiProperty({ type: String, format: 'uuid' })
  screeningRunId: string | null;
}

export class ScreeningRunDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  @ApiProperty({ format: 'uuid' })
  trialId: string;
  criteriaVersion: number;
  /** @example criteria_changed */
  cause: string;
  /** Participants of the run's cohort screened so far (null for sponsors) */
  @ApiProperty({ type: Number, nullable: true })
  done: number | null;
  /** Participants of the run's cohort, everyone at the trial's sites (null for sponsors) */
  @ApiProperty({ type: Number, nullable: true })
  total: number | null;
  /**
   * The share of the cohort screened, in whole percent rounded down to a multiple of 10 (100 once finished).
   * Sponsors see this and no count: the cohort includes people who did not consent to sharing counts.
   */
  progressPercent: number;
  @ApiProperty({ format: 'date-time' })
  startedAt: string;
  @ApiProperty({ type: String, format: 'date-time' })
  finishedAt: string | null;
}
