import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ASSESSMENT_TYPES, AssessmentType, ScheduledVisitStatus, VisitMode } from '@registry/domain';
import type { ProtocolEntity, ProtocolVisitEntity } from '@registry/persistence';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsEnum,
  IsIn,
  IsInt,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { ReasonDto } from '../common/reason.dto';
import { CALENDAR_DATE_RANGE, IsCalendarDate } from '../common/calendar-date';

export class ProtocolVisitInputDto {
  /** @example M006 */
  @Matches(/^[A-Z0-9_-]{1,12}$/, { message: 'code must be 1-12 capital letters, digits, "_" or "-"' })
  code: string;

  /** @example "Month 6" */
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name: string;

  /**
   * Days from baseline
   * @example 182
   */
  @IsInt()
  @Min(0)
  @Max(7300)
  dayOffset: number;

  /** @example 28 */
  @IsInt()
  @Min(0)
  @Max(365)
  windowBeforeDays: number;

  /** @example 28 */
  @IsInt()
  @Min(0)
  @Max(365)
  windowAfterDays: number;

  @IsEnum(VisitMode)
  mode: VisitMode;

  @IsArray()
  @ArrayUnique()
  @IsIn(ASSESSMENT_TYPES, { each: true })
  assessments: AssessmentType[];
}

export class CreateProtocolDto {
  /** @example TRC-REMOTE */
  @Matches(/^[A-Z0-9-]{2,30}$/, { message: 'code must be 2-30 capital letters, digits or "-"' })
  code: string;

  /** @example "Remote cognition every 3 months" */
  @IsString()
  @MinLength(3)
  @MaxLength(200)
  name: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => ProtocolVisitInputDto)
  visits: ProtocolVisitInputDto[];
}

export class ProtocolVisitDto extends ProtocolVisitInputDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  static from(this: void, v: ProtocolVisitEntity): ProtocolVisitDto {
    return {
      id: v.id,
      code: v.code,
      name: v.name,
      dayOffset: v.dayOffset,
      windowBeforeDays: v.windowBeforeDays,
      windowAfterDays: v.windowAfterDays,
      mode: v.mode,
      assessments: v.assessments,
    };
  }
}

export class ProtocolDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  code: string;
  /** A new version is created for every change */
  version: number;
  name: string;
  active: boolean;
  visits: ProtocolVisitDto[];

  static from(this: void, p: ProtocolEntity): ProtocolDto {
    return {
      id: p.id,
      code: p.code,
      version: p.version,
      name: p.name,
      active: p.active,
      visits: (p.visits ?? []).sort((a, b) => a.dayOffset - b.dayOffset).map(ProtocolVisitDto.from),
    };
  }
}

export class AssignProtocolDto {
  @IsUUID()
  protocolId: string;

  /** @example 2026-01-15 */
  @ApiProperty({
    description:
      `Baseline day at the site, ${CALENDAR_DATE_RANGE}; visits are laid out from it, ` +
      'and every visit window laid out must end within that range too',
  })
  @IsCalendarDate()
  baselineDate: string;
}

export class RescheduleDto extends ReasonDto {
  /** @example 2026-07-20 */
  @ApiProperty({
    description:
      `New target date, ${CALENDAR_DATE_RANGE}; the window keeps its width around it ` +
      'and must stay within that range too',
  })
  @IsCalendarDate()
  targetDate: string;
}

export class ScheduledVisitDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  /** @example M006 */
  code: string;
  name: string;
  mode: VisitMode;
  assessments: AssessmentType[];
  targetDate: string;
  windowStart: string;
  windowEnd: string;
  status: ScheduledVisitStatus;
  // Documented as optional although always present (null when none): kept so for clients as they are.
  @ApiPropertyOptional({ type: String, format: 'uuid' })
  visitId: string | null;
  @ApiPropertyOptional({ type: String })
  cancelReason: string | null;
}

export class ScheduleDto {
  /** @example TKY-000123-K */
  participantId: string;
  /** @example Asia/Tokyo */
  timeZone: string;
  /** Today at the site, the day statuses are computed for */
  today: string;
  visits: ScheduledVisitDto[];
}
