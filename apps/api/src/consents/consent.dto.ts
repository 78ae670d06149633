import { ApiProperty } from '@nestjs/swagger';
import { CONSENT_SCOPES, ConsentScope } from '@registry/domain';
import type {
  ConsentDocumentEntity,
  ConsentWithdrawalEntity,
  ParticipantConsentEntity,
} from '@registry/persistence';
import {
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { CALENDAR_DATE_RANGE, IsCalendarDate } from '../common/calendar-date';

export class CreateConsentDocumentDto {
  /** @example "Trial-ready cohort participant consent" */
  @IsString()
  @MinLength(3)
  @MaxLength(300)
  title: string;

  /** @example 2.1 */
  @Matches(/^[0-9A-Za-z.-]{1,20}$/, { message: 'version must be 1-20 letters, digits, dots or dashes' })
  version: string;

  /**
   * BCP 47 language tag
   * @example ja
   */
  @Matches(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, {
    message: 'language must be a BCP 47 tag such as ja or en-US',
  })
  language: string;

  /** @example 2026-04-01 */
  @ApiProperty({ description: `Day the document takes effect: ${CALENDAR_DATE_RANGE}` })
  @IsCalendarDate()
  effectiveDate: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(CONSENT_SCOPES, { each: true })
  scopes: ConsentScope[];
}

export class ConsentDocumentDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  title: string;
  version: string;
  language: string;
  effectiveDate: string;
  scopes: ConsentScope[];

  static from(this: void, d: ConsentDocumentEntity): ConsentDocumentDto {
    return {
      id: d.id,
      title: d.title,
      version: d.version,
      language: d.language,
      effectiveDate: d.effectiveDate,
      scopes: d.scopes,
    };
  }
}

export class RecordConsentDto {
  @IsUUID()
  consentDocumentId: string;

  /** @example 2026-05-10 */
  @ApiProperty({
    description: `${CALENDAR_DATE_RANGE}, not after today at the site, not before the document took effect`,
  })
  @IsCalendarDate()
  signedOn: string;

  /** A subset of the document’s scopes */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(CONSENT_SCOPES, { each: true })
  scopes: ConsentScope[];
}

export class WithdrawConsentDto {
  /** Omit to withdraw every scope still held */
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(CONSENT_SCOPES, { each: true })
  scopes?: ConsentScope[];

  /** @example 2026-11-24 */
  @ApiProperty({
    description: `${CALENDAR_DATE_RANGE}, not after today at the site, not before the consent was signed`,
  })
  @IsCalendarDate()
  withdrawnOn: string;

  /** @example "Participant asked by phone to stop follow-up" */
  @IsString()
  @MinLength(3)
  @MaxLength(1000)
  reason: string;
}

export class ConsentWithdrawalDto {
  scope: ConsentScope;
  withdrawnOn: string;
  reason: string;

  static from(this: void, w: ConsentWithdrawalEntity): ConsentWithdrawalDto {
    return { scope: w.scope, withdrawnOn: w.withdrawnOn, reason: w.reason };
  }
}

export class ParticipantConsentDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  @ApiProperty({ format: 'uuid' })
  consentDocumentId: string;
  signedOn: string;
  /** Scopes granted when signed */
  scopes: ConsentScope[];
  withdrawals: ConsentWithdrawalDto[];

  static from(
    this: void,
    c: ParticipantConsentEntity,
    withdrawals: ConsentWithdrawalEntity[],
  ): ParticipantConsentDto {
    return {
      id: c.id,
      consentDocumentId: c.consentDocumentId,
      signedOn: c.signedOn,
      scopes: c.scopes,
      withdrawals: withdrawals.filter((w) => w.participantConsentId === c.id).map(ConsentWithdrawalDto.from),
    };
  }
}

export class ConsentStatusDto {
  /** Scopes held today */
  scopesHeld: ConsentScope[];
  consents: ParticipantConsentDto[];
}
