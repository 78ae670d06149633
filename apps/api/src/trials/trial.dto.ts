import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  TRIAL_SITE_PROPOSAL_STATES,
  TRIAL_STATUSES,
  TrialEntity,
  TrialSiteProposalEntity,
  TrialSiteProposalState,
  TrialStatus,
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
  @ApiProperty({ example: 'AHEAD 3-45, A45 arm' })
  @IsString()
  @MinLength(3)
  @MaxLength(300)
  title: string;

  @ApiProperty({ example: 'NCT04468659', description: 'ClinicalTrials.gov NCT number or jRCT number' })
  @Matches(/^(NCT[0-9]{8}|jRCT[0-9a-z]{8,12})$/, {
    message: 'registryNumber must be an NCT number (NCT + 8 digits) or a jRCT number',
  })
  registryNumber: string;

  @ApiProperty({ example: '3' })
  @Matches(/^(1|1\/2|2|2\/3|3|4)$/, { message: 'phase must be one of 1, 1/2, 2, 2/3, 3, 4' })
  phase: string;

  @ApiProperty({ enum: TRIAL_STATUSES, example: 'planning' })
  @IsIn(TRIAL_STATUSES)
  status: TrialStatus;

  @ApiProperty({
    type: [String],
    description:
      'Sites proposed to take part; each joins (and is screened) once an admin or the site accepts',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  siteIds: string[];

  @ApiProperty({ example: 1400 })
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  targetEnrolment: number;

  @ApiProperty({ type: 'object', additionalProperties: true, description: CRITERIA_DESCRIPTION })
  @IsObject()
  criteria: Record<string, unknown>;
}

export class UpdateTrialDto {
  @ApiPropertyOptional({
    enum: TRIAL_STATUSES,
    description: 'Only recruiting trials are screened; closing clears open flags',
  })
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
  @ApiProperty({ type: 'object', additionalProperties: true, description: CRITERIA_DESCRIPTION })
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
  @ApiProperty({ enum: TRIAL_STATUSES })
  status: string;
  targetEnrolment: number;
  @ApiProperty({ type: [String], description: 'Sites taking part (accepted): the ones screened' })
  siteIds: string[];
  @ApiProperty({ type: () => [SiteProposalStateDto] })
  siteProposals: SiteProposalStateDto[];
  @ApiProperty({ description: 'Version of the criteria in force' })
  criteriaVersion: number;
  @ApiProperty({ type: 'object', additionalProperties: true })
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
  @ApiProperty({ enum: TRIAL_SITE_PROPOSAL_STATES })
  state: TrialSiteProposalState;
  @ApiProperty({ format: 'date-time' })
  proposedAt: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
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
  @ApiPropertyOptional({ enum: TRIAL_SITE_PROPOSAL_STATES, description: 'Default: every state' })
  @IsOptional()
  @IsIn(TRIAL_SITE_PROPOSAL_STATES)
  state?: TrialSiteProposalState;
}

export class TrialTemplateDto {
  @ApiProperty({ example: 'a4' })
  key: string;
  title: string;
  registryNumber: string;
  phase: string;
  @ApiProperty({ description: 'Where the criteria come from' })
  source: string;
  @ApiProperty({ type: 'object', additionalProperties: true })
  criteria: Record<string, unknown>;
}

/** The answer to a criteria update: the trial at its new criteria version, and the re-screen it started. */
export class CriteriaUpdatedDto {
  trial: TrialDto;
  @ApiProperty({
    type: String,
    nullable: true,
    format: 'uuid',
    description:
      'The screening run started (GET /trials/{id}/screening-runs/{runId}); null unless the trial is recruiting',
  })
  screeningRunId: string | null;
}

export class ScreeningRunDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  @ApiProperty({ format: 'uuid' })
  trialId: string;
  criteriaVersion: number;
  @ApiProperty({ example: 'criteria_changed' })
  cause: string;
  done: number;
  total: number;
  @ApiProperty({ format: 'date-time' })
  startedAt: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  finishedAt: string | null;
}
