import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ParticipantStatus } from '@registry/domain';
import {
  APOE_GENOTYPES,
  ParticipantEntity,
  ParticipantIdentityEntity,
  REFERRAL_SOURCES,
  SEXES,
} from '@registry/persistence';
import {
  IsBoolean,
  IsEmail,
  IsEnum,
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
  ValidateNested,
} from 'class-validator';
import { PageQueryDto } from '../common/paging';
import { CALENDAR_DATE_RANGE, IsCalendarDate } from '../common/calendar-date';

export class StudyPartnerDto {
  @ApiProperty({ example: 'Kenji Tanaka' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiProperty({ example: '+81 3 1234 5678', description: 'Phone or e-mail' })
  @IsString()
  @MinLength(3)
  @MaxLength(200)
  contact: string;
}

export class ParticipantIdentityDto {
  @ApiProperty({ example: 'Tanaka' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  familyName: string;

  @ApiProperty({ example: 'Yuki' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  givenName: string;

  @ApiPropertyOptional({ example: 'yuki@example.jp' })
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ example: '+81 90 1234 5678' })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  phone?: string;

  @IsOptional()
  @IsString()
  @MaxLength(500)
  postalAddress?: string;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => StudyPartnerDto)
  studyPartner?: StudyPartnerDto;
}

export class FamilyHistoryDto {
  @ApiProperty({ description: 'A first-degree relative with dementia' })
  @IsBoolean()
  present: boolean;

  @ApiPropertyOptional({ example: 72, description: "The relative's age at onset" })
  @IsOptional()
  @IsInt()
  @Min(20)
  @Max(110)
  onsetAge?: number;
}

export class AcknowledgeDuplicateDto {
  @ApiProperty({ example: 'Confirmed by phone: a different person with the same name and birth date' })
  @IsString()
  @MinLength(10)
  @MaxLength(1000)
  reason: string;
}

export class EnrollParticipantDto {
  @ApiProperty({ format: 'uuid', description: 'One of your sites' })
  @IsUUID()
  siteId: string;

  @ApiProperty({ example: '1958-04-01', description: `${CALENDAR_DATE_RANGE}, not after today at the site` })
  @IsCalendarDate()
  birthDate: string;

  @ApiProperty({ enum: SEXES })
  @IsIn(SEXES)
  sex: (typeof SEXES)[number];

  @ApiProperty({ example: 16, minimum: 0, maximum: 30 })
  @IsInt()
  @Min(0)
  @Max(30)
  educationYears: number;

  @ApiPropertyOptional({ enum: APOE_GENOTYPES, default: 'unknown' })
  @IsOptional()
  @IsIn(APOE_GENOTYPES)
  apoeGenotype?: (typeof APOE_GENOTYPES)[number];

  @ApiPropertyOptional({ type: FamilyHistoryDto, description: 'Omit when not known' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => FamilyHistoryDto)
  familyHistory?: FamilyHistoryDto;

  @IsBoolean()
  studyPartnerAvailable: boolean;

  @ApiProperty({ enum: REFERRAL_SOURCES })
  @IsIn(REFERRAL_SOURCES)
  referralSource: (typeof REFERRAL_SOURCES)[number];

  @ApiProperty({
    type: ParticipantIdentityDto,
    description: 'Stored apart; readable by own-site coordinators only',
  })
  // @ValidateNested alone lets an array through (it checks each of its elements, and [] has none).
  @IsObject()
  @ValidateNested()
  @Type(() => ParticipantIdentityDto)
  identity: ParticipantIdentityDto;

  @ApiPropertyOptional({
    type: AcknowledgeDuplicateDto,
    description: 'Enrol although a possible duplicate was reported',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => AcknowledgeDuplicateDto)
  acknowledgeDuplicate?: AcknowledgeDuplicateDto;
}

export class TransitionDto {
  @IsEnum(ParticipantStatus)
  to: ParticipantStatus;

  @ApiProperty({
    example: '2026-11-24',
    description: `${CALENDAR_DATE_RANGE}, not after today at the site, not before the current status began`,
  })
  @IsCalendarDate()
  effectiveDate: string;

  @ApiProperty({ example: 'Amyloid PET below threshold' })
  @IsString()
  @MinLength(3)
  @MaxLength(1000)
  reason: string;
}

export const PARTICIPANT_SORTS = [
  'registryId',
  '-registryId',
  'createdAt',
  '-createdAt',
  'status',
  '-status',
] as const;

export class ParticipantQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Registry id, or its beginning (e.g. TKY-0001)' })
  @IsOptional()
  @Matches(/^[A-Z0-9-]{2,12}$/, { message: 'registryId must be a registry id or its beginning' })
  registryId?: string;

  @IsOptional()
  @IsEnum(ParticipantStatus)
  status?: ParticipantStatus;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  siteId?: string;

  @ApiPropertyOptional({
    description: 'Only participants with a visit past its window (overdue, not yet missed)',
  })
  @IsOptional()
  @IsIn(['true', 'false'])
  overdue?: 'true' | 'false';

  @ApiPropertyOptional({ enum: PARTICIPANT_SORTS, default: 'registryId' })
  @IsOptional()
  @IsIn(PARTICIPANT_SORTS)
  sort: (typeof PARTICIPANT_SORTS)[number] = 'registryId';
}

export class AmyloidSummaryDto {
  @ApiProperty({ enum: ['negative', 'intermediate', 'positive', 'unknown'] })
  status: string;
  @ApiProperty({ type: String, nullable: true, enum: ['pet', 'csf', 'plasma'] })
  modality: string | null;
  @ApiProperty({ type: String, nullable: true, example: '2026-05-01' })
  date: string | null;
}

/** What every allowed reader sees: clinical facts by registry id, never names or contacts. */
export class ParticipantDto {
  @ApiProperty({ example: 'TKY-000123-K', description: 'Registry id' })
  id: string;
  @ApiProperty({ format: 'uuid' })
  siteId: string;
  @ApiProperty({ enum: ParticipantStatus })
  status: string;
  @ApiProperty({ example: '2026-11-24' })
  statusEffectiveDate: string;
  @ApiProperty({ example: '1958-04-01' })
  birthDate: string;
  @ApiProperty({ enum: SEXES })
  sex: string;
  educationYears: number;
  @ApiProperty({ enum: APOE_GENOTYPES })
  apoeGenotype: string;
  @ApiProperty({ type: Boolean, nullable: true })
  familyHistory: boolean | null;
  @ApiProperty({ type: Number, nullable: true })
  familyHistoryOnsetAge: number | null;
  studyPartnerAvailable: boolean;
  @ApiProperty({ enum: REFERRAL_SOURCES })
  referralSource: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' })
  protocolId: string | null;
  baselineDate: string | null;
  amyloid: AmyloidSummaryDto;

  static from(this: void, p: ParticipantEntity): ParticipantDto {
    return {
      id: p.id,
      siteId: p.siteId,
      status: p.status,
      statusEffectiveDate: p.statusEffectiveDate,
      birthDate: p.birthDate,
      sex: p.sex,
      educationYears: p.educationYears,
      apoeGenotype: p.apoeGenotype,
      familyHistory: p.familyHistory,
      familyHistoryOnsetAge: p.familyHistoryOnsetAge,
      studyPartnerAvailable: p.studyPartnerAvailable,
      referralSource: p.referralSource,
      protocolId: p.protocolId,
      baselineDate: p.baselineDate,
      amyloid: { status: p.amyloidStatus, modality: p.amyloidModality, date: p.amyloidDate },
    };
  }
}

export class ParticipantPageDto {
  items: ParticipantDto[];
  page: number;
  pageSize: number;
  total: number;
}

export class ParticipantIdentityViewDto {
  familyName: string;
  givenName: string;
  dateOfBirthAsGiven: string;
  email: string | null;
  phone: string | null;
  postalAddress: string | null;
  studyPartnerName: string | null;
  studyPartnerContact: string | null;

  static from(this: void, identity: ParticipantIdentityEntity): ParticipantIdentityViewDto {
    const { participantId: _id, participant: _p, ...view } = identity;
    return view;
  }
}
