import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  PublishedCount,
  REFERRAL_CONTACT_STATES,
  ReferralContactState,
  SCREEN_FAIL_REASONS,
  ScreenFailReason,
} from '@registry/domain';
import type { ReferralCandidate, ReferralContactEntity, ReferralRequestRecord } from '@registry/persistence';
import { funnelView, ReferralFunnel, SponsorDisclosure } from '@registry/sponsor-reports';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsCalendarDate } from '../common/calendar-date';
import { DisclosureDto } from '../sponsor-counts/sponsor-counts.dto';
import type { RecruitmentSpeedReport } from './referrals.service';

export class ReferralSiteRequestDto {
  /** One of the sites taking part in the trial */
  @IsUUID()
  siteId: string;

  /** How many people the sponsor would like referred from this site @example 20 */
  @IsInt()
  @Min(1)
  @Max(10_000)
  count: number;
}

export class CreateReferralRequestDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => ReferralSiteRequestDto)
  sites: ReferralSiteRequestDto[];

  /** The day by which the referrals are wanted (not before today at each site) @example 2027-03-31 */
  @IsCalendarDate()
  dueOn: string;
}

export class ReferralRequestDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  @ApiProperty({ format: 'uuid' })
  trialId: string;
  trialTitle: string;
  @ApiProperty({ format: 'uuid' })
  siteId: string;
  siteCode: string;
  requestedCount: number;
  dueOn: string;
  createdAt: string;
  closedAt: string | null;
  closeReason: string | null;
  /** How many of the site's contacts for it are in each state */
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' } })
  contacts: Record<string, number>;

  static from(this: void, request: ReferralRequestRecord): ReferralRequestDto {
    return {
      id: request.id,
      trialId: request.trialId,
      trialTitle: request.trialTitle,
      siteId: request.siteId,
      siteCode: request.siteCode,
      requestedCount: request.requestedCount,
      dueOn: request.dueOn,
      createdAt: request.createdAt.toISOString(),
      closedAt: request.closedAt?.toISOString() ?? null,
      closeReason: request.closeReason,
      contacts: request.contacts,
    };
  }
}

/** What a sponsor is told of the requests it made: where and how many, never who. */
export class ReferralRequestCreatedDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  @ApiProperty({ format: 'uuid' })
  siteId: string;
  requestedCount: number;
  dueOn: string;
}

export class ReferralCandidateDto {
  /** @example TKY-000123-K */
  participantId: string;
  @ApiProperty({ format: 'uuid' })
  flagId: string;
  /** When the open eligible flag was raised: longest eligible first */
  eligibleSince: string;

  static from(this: void, candidate: ReferralCandidate): ReferralCandidateDto {
    return {
      participantId: candidate.participantId,
      flagId: candidate.flagId,
      eligibleSince: candidate.eligibleSince.toISOString(),
    };
  }
}

export class ReferralContactDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  @ApiProperty({ format: 'uuid' })
  requestId: string;
  @ApiProperty({ format: 'uuid' })
  trialId: string;
  /** @example TKY-000123-K */
  participantId: string;
  @ApiProperty({ enum: REFERRAL_CONTACT_STATES })
  state: ReferralContactState;
  @ApiProperty({ enum: SCREEN_FAIL_REASONS, nullable: true })
  screenFailReason: ScreenFailReason | null;
  note: string | null;
  /** After a decline: flags of the trial are held back until this day */
  flagsSuppressedUntil: string | null;
  randomisedOn: string | null;
  createdAt: string;
  updatedAt: string;
  /** Set when the referral was ended from outside (its trial closed) */
  closedAt: string | null;
  closeReason: string | null;

  static from(this: void, contact: ReferralContactEntity): ReferralContactDto {
    return {
      id: contact.id,
      requestId: contact.requestId,
      trialId: contact.trialId,
      participantId: contact.participantId,
      state: contact.state,
      screenFailReason: contact.screenFailReason,
      note: contact.note,
      flagsSuppressedUntil: contact.flagsSuppressedUntil,
      randomisedOn: contact.randomisedOn,
      createdAt: contact.createdAt.toISOString(),
      updatedAt: contact.updatedAt.toISOString(),
      closedAt: contact.closedAt?.toISOString() ?? null,
      closeReason: contact.closeReason,
    };
  }
}

export class ReferralRequestDetailDto extends ReferralRequestDto {
  /** Everyone contacted for this request, oldest first */
  contactList: ReferralContactDto[];
  /** The site's eligible participants free to be contacted (recontact consent, no open referral), longest eligible first; empty once the request is closed */
  candidates: ReferralCandidateDto[];
}

export class StartContactDto {
  /** A participant of the request's site among its candidates @example TKY-000123-K */
  @Matches(/^[A-Z]{2,5}-[0-9]{6}-[0-9A-Z]$/, { message: 'participantId must be a registry id' })
  participantId: string;
}

export class ContactTransitionDto {
  @ApiProperty({ enum: REFERRAL_CONTACT_STATES })
  @IsIn(REFERRAL_CONTACT_STATES)
  to: ReferralContactState;

  /** Required for screen_failed, refused for any other state */
  @ApiPropertyOptional({ enum: SCREEN_FAIL_REASONS })
  @IsOptional()
  @IsIn(SCREEN_FAIL_REASONS)
  screenFailReason?: ScreenFailReason;

  /** The coordinator's note (e.g. why the person declined); kept in the audit trail, never shown to a sponsor */
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  note?: string;
}

const PUBLISHED_COUNT = {
  oneOf: [
    { type: 'integer', minimum: 0 },
    { type: 'string', pattern: '^(<[0-9]+|suppressed)$', example: '<11' },
  ],
};

/** One scope of the funnel (a site, or every site): how many referrals reached each stage. */
export class FunnelStagesDto {
  @ApiProperty(PUBLISHED_COUNT)
  referred: PublishedCount;
  @ApiProperty(PUBLISHED_COUNT)
  contacted: PublishedCount;
  @ApiProperty(PUBLISHED_COUNT)
  notReached: PublishedCount;
  @ApiProperty(PUBLISHED_COUNT)
  interested: PublishedCount;
  @ApiProperty(PUBLISHED_COUNT)
  booked: PublishedCount;
  @ApiProperty(PUBLISHED_COUNT)
  screenFailed: PublishedCount;
  /** Screen failures by coded reason */
  @ApiProperty({ type: 'object', additionalProperties: PUBLISHED_COUNT })
  screenFailedBy: Record<string, PublishedCount>;
  @ApiProperty(PUBLISHED_COUNT)
  randomised: PublishedCount;
  /** Declined at any stage */
  @ApiProperty(PUBLISHED_COUNT)
  declined: PublishedCount;
}

export class FunnelSiteDto extends FunnelStagesDto {
  siteCode: string;
  /** How many people were asked of this site (the sponsor's own figure, not a count of people) */
  requested: number;
}

export class ReferralTokenDto {
  /** HMAC-SHA256 of the trial and the person under the registry's key: stable for this trial, unlinkable across trials */
  token: string;
  /** The token under the previous key, during a key rotation only */
  previousToken: string | null;
}

export class ReferralFunnelDto {
  @ApiProperty({ format: 'uuid' })
  trialId: string;
  overall: FunnelStagesDto;
  sites: FunnelSiteDto[];
  /**
   * A token per participant booked for the trial's prescreen or beyond who consented to sharing
   * pseudonymised data with sponsors, in token order
   */
  tokens: ReferralTokenDto[];
  disclosure: DisclosureDto;

  static from(this: void, funnel: ReferralFunnel, disclosure: SponsorDisclosure): ReferralFunnelDto {
    return { ...funnelView(funnel), disclosure: DisclosureDto.of(disclosure) };
  }
}

export class RecruitmentSpeedSiteDto {
  siteCode: string;
  /** How many randomised referrals the figures are made of (not suppressed: admins only) */
  n: number;
  /** Days from the first eligible flag to randomisation */
  median: number | null;
  firstQuartile: number | null;
  thirdQuartile: number | null;
}

export class RecruitmentSpeedDto {
  overall: RecruitmentSpeedSiteDto;
  sites: RecruitmentSpeedSiteDto[];

  static from(this: void, report: RecruitmentSpeedReport): RecruitmentSpeedDto {
    return {
      overall: { siteCode: 'all', ...report.overall },
      sites: report.sites.map(({ siteCode, speed }) => ({ siteCode, ...speed })),
    };
  }
}
