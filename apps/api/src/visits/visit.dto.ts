import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { AssessmentType, PERFORMED_AFTER_VISIT_TOLERANCE_DAYS, VisitMode } from '@registry/domain';
import type { AssessmentEntity, VisitEntity } from '@registry/persistence';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsEnum,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { ReasonDto } from '../common/reason.dto';
import { CALENDAR_DATE_RANGE, IsCalendarDate } from '../common/calendar-date';

export class AssessmentInputDto {
  @IsEnum(AssessmentType)
  type: AssessmentType;

  /**
   * Fields by type, e.g. mmse {total 0-30}; cdr {memory, orientation, judgmentProblemSolving, communityAffairs,
   * homeHobbies, personalCare, global?}; amyloid_pet {tracer, suvr?, pipeline?, referenceRegion?, visualRead?};
   * csf {platform, analytes:[{analyte, value, unit}]}; plasma {platform, analyte, value?, unit?, result};
   * mri {microhaemorrhages, superficialSiderosis, macrohaemorrhage, ariaE, infarcts}
   * @example {"total": 29}
   */
  @IsObject()
  values: Record<string, unknown>;

  /** @example 2026-07-16 */
  @ApiProperty({
    description:
      `Defaults to the visit date. ${CALENDAR_DATE_RANGE}, not after today at the site and not after the ` +
      `visit date (tolerance ${PERFORMED_AFTER_VISIT_TOLERANCE_DAYS} days): a work-up spread over several days ` +
      'is recorded with the visit dated on its last day and each assessment on its own day',
  })
  @IsOptional()
  @IsCalendarDate()
  performedOn?: string;
}

export class RecordVisitDto {
  /** @example 2026-07-16 */
  @ApiProperty({
    description: `Calendar day at the site: ${CALENDAR_DATE_RANGE}, not after today at the site`,
  })
  @IsCalendarDate()
  visitDate: string;

  /** The scheduled visit this visit fulfils */
  @IsOptional()
  @IsUUID()
  scheduledVisitId?: string;

  @ApiProperty({ default: VisitMode.Clinic })
  @IsOptional()
  @IsEnum(VisitMode)
  mode?: VisitMode;

  /** Required when the visit is outside its window (a protocol deviation) */
  @IsOptional()
  @IsString()
  @MinLength(3)
  @MaxLength(1000)
  deviationReason?: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(30)
  @ValidateNested({ each: true })
  @Type(() => AssessmentInputDto)
  assessments: AssessmentInputDto[];
}

export class CorrectAssessmentDto extends ReasonDto {
  /** The complete corrected values */
  @IsObject()
  values: Record<string, unknown>;
}

export class AssessmentDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  type: AssessmentType;
  performedOn: string;
  values: Record<string, unknown>;
  /** Computed on the server, with provenance */
  // Names the one key a client must know of; the type says no more than an open object.
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    properties: {
      centiloidUnavailable: {
        type: 'string',
        description:
          'amyloid_pet only, present only when an SUVR was given but no published SUVR-to-Centiloid equation ' +
          'exists for its tracer, pipeline and reference region: centiloid is then null and the status comes ' +
          'from the visual read, or is unknown. Check the pipeline and reference region typed.',
        example: 'no published equation for florbetapir / standard_centiloid / whole_cerebellum',
      },
    },
  })
  derived: Record<string, unknown>;
  /** Starts at 1; each correction adds one */
  version: number;

  static from(this: void, a: AssessmentEntity): AssessmentDto {
    return {
      id: a.id,
      type: a.type,
      performedOn: a.performedOn,
      values: a.values,
      derived: a.derived,
      version: a.version,
    };
  }
}

export class VisitDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  /** @example TKY-000123-K */
  participantId: string;
  @ApiProperty({ type: String, format: 'uuid' })
  scheduledVisitId: string | null;
  visitDate: string;
  mode: VisitMode;
  /** Outside the scheduled window */
  deviation: boolean;
  deviationReason: string | null;
  assessments: AssessmentDto[];

  static from(this: void, v: VisitEntity): VisitDto {
    return {
      id: v.id,
      participantId: v.participantId,
      scheduledVisitId: v.scheduledVisitId,
      visitDate: v.visitDate,
      mode: v.mode,
      deviation: v.deviation,
      deviationReason: v.deviationReason,
      assessments: (v.assessments ?? []).sort((a, b) => a.type.localeCompare(b.type)).map(AssessmentDto.from),
    };
  }
}
