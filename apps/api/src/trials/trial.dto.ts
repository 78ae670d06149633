import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TRIAL_STATUSES, TrialEntity, TrialStatus } from '@registry/persistence';
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

  @ApiProperty({ type: [String], description: 'Participating sites' })
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

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(3)
  @MaxLength(300)
  title?: string;

  @ApiPropertyOptional()
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
  @ApiProperty()
  title: string;
  @ApiProperty()
  registryNumber: string;
  @ApiProperty()
  phase: string;
  @ApiProperty({ enum: TRIAL_STATUSES })
  status: string;
  @ApiProperty()
  targetEnrolment: number;
  @ApiProperty({ type: [String] })
  siteIds: string[];
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
      criteriaVersion: trial.criteriaVersion,
      criteria,
    };
  }
}

export class TrialTemplateDto {
  @ApiProperty({ example: 'a4' })
  key: string;
  @ApiProperty()
  title: string;
  @ApiProperty()
  registryNumber: string;
  @ApiProperty()
  phase: string;
  @ApiProperty({ description: 'Where the criteria come from' })
  source: string;
  @ApiProperty({ type: 'object', additionalProperties: true })
  criteria: Record<string, unknown>;
}

export class ScreeningRunDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  @ApiProperty({ format: 'uuid' })
  trialId: string;
  @ApiProperty()
  criteriaVersion: number;
  @ApiProperty({ example: 'criteria_changed' })
  cause: string;
  @ApiProperty()
  done: number;
  @ApiProperty()
  total: number;
  @ApiProperty({ format: 'date-time' })
  startedAt: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  finishedAt: string | null;
}
