import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { AmyloidModality, AmyloidStatus, ParticipantStatus } from '@registry/domain';
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
  /** @example "Kenji Tanaka" */
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  /**
   * Phone or e-mail
   * @example "+81 3 1234 5678"
   */
  @IsString()
  @MinLength(3)
  @MaxLength(200)
  contact: string;
}

export class ParticipantIdentityDto {
  /** @example Tanaka */
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  familyName: string;

  /** @example Yuki */
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  givenName: string;

  /** @example yuki@example.jp */
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string;

  /** @example "+81 90 1234 5678" */
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
  /** A first-degree relative with dementia */
  @IsBoolean()
  present: boolean;

  /**
   * The relative's age at onset
   * @example 72
   */
  @IsOptional()
  @IsInt()
  @Min(20)
  @Max(110)
  onsetAge?: number;
}

export class AcknowledgeDuplicateDto {
  /** @example "Confirmed by phone: a different person with the same name and birth date" */
  @IsString()
  @MinLength(10)
  @MaxLength(1000)
  reason: string;
}

export class EnrollParticipantDto {
  /** One of your sites */
  @IsUUID()
  siteId: string;

  /** @example 1958-04-01 */
  @ApiProperty({ description: `${CALENDAR_DATE_RANGE}, not after today at the site` })
  @IsCalendarDate()
  birthDate: string;

  @IsIn(SEXES)
  sex: (typeof SEXES)[number];

  /** @example 16 */
  @IsInt()
  @Min(0)
  @Max(30)
  educationYears: number;

  @ApiProperty({ default: 'unknown' })
  @IsOptional()
  @IsIn(APOE_GENOTYPES)
  apoeGenotype?: (typeof APOE_GENOTYPES)[number];

  /** Omit when not known */
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => FamilyHistoryDto)
  familyHistory?: FamilyHistoryDto;

  @IsBoolean()
  studyPartnerAvailable: boolean;

  // Pins the declared order: from the type alone the plugin lists the values in the compiler's order.
  @ApiProperty({ enum: REFERRAL_SOURCES })
  @IsIn(REFERRAL_SOURCES)
  referralSource: (typeof REFERRAL_SOURCES)[number];

  /** Stored apart; readable by own-site coordinators only */
  // @ValidateNested alone lets an array through (it checks each of its elements, and [] has none).
  @IsObject()
  @ValidateNested()
  @Type(() => ParticipantIdentityDto)
  identity: ParticipantIdentityDto;

  /** Enrol although a possible duplicate was reported */
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => AcknowledgeDuplicateDto)
  acknowledgeDuplicate?: AcknowledgeDuplicateDto;
}

export class TransitionDto {
  @IsEnum(ParticipantStatus)
  to: ParticipantStatus;

  /** @example 2026-11-24 */
  @ApiProperty({
    description: `${CALENDAR_DATE_RANGE}, not after today at the site, not before the current status began`,
  })
  @IsCalendarDate()
  effectiveDate: string;

  /** @example "Amyloid PET below threshold" */
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
  /** Registry id, or its beginning (e.g. TKY-0001) */
  @IsOptional()
  @Matches(/^[A-Z0-9-]{2,12}$/, { message: 'registryId must be a registry id or its beginning' })
  registryId?: string;

  @IsOptional()
  @IsEnum(ParticipantStatus)
  status?: ParticipantStatus;

  @IsOptional()
  @IsUUID()
  siteId?: string;

  /** Only participants with a visit past its window (overdue, not yet missed) */
  @IsOptional()
  @IsIn(['true', 'false'])
  overdue?: 'true' | 'false';

  // Without a question mark (the default fills it in), the plugin would call it required; and the type of an
  // indexed access is emitted as Object at run time, which would override the plugin's string.
  @ApiPropertyOptional({ type: String })
  @IsOptional()
  @IsIn(PARTICIPANT_SORTS)
  sort: (typeof PARTICIPANT_SORTS)[number] = 'registryId';
}

export class AmyloidSummaryDto {
  status: AmyloidStatus;
  modality: AmyloidModality | null;
  /** @example 2026-05-01 */
  date: string | null;
}

/** What every allowed reader sees: clinical facts by registry id, never names or contacts. */
export class ParticipantDto {
  /**
   * Registry id
   * @example TKY-000123-K
   */
  id: string;
  @ApiProperty({ format: 'uuid' })
  siteId: string;
  status: ParticipantStatus;
  /** @example 2026-11-24 */
  statusEffectiveDate: string;
  /** @example 1958-04-01 */
  birthDate: string;
  sex: (typeof SEXES)[number];
  educationYears: number;
  apoeGenotype: (typeof APOE_GENOTYPES)[number];
  familyHistory: boolean | null;
  familyHistoryOnsetAge: number | null;
  studyPartnerAvailable: boolean;
  // Pins the declared order: from the type alone the plugin lists the values in the compiler's order.
  @ApiProperty({ enum: REFERRAL_SOURCES })
  referralSource: (typeof REFERRAL_SOURCES)[number];
  @ApiProperty({ type: String, format: 'uuid' })
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
