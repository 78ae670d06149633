import { ApiProperty } from '@nestjs/swagger';
import {
  IsBoolean,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  registerDecorator,
  ValidationOptions,
} from 'class-validator';
import type { SiteEntity } from '@registry/persistence';
import { ReasonDto } from '../common/reason.dto';

const TIME_ZONES = new Set(Intl.supportedValuesOf('timeZone'));

/** An IANA time zone that this Node.js knows (e.g. Asia/Tokyo); visit windows are computed in it. */
export function IsIanaTimeZone(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isIanaTimeZone',
      target: target.constructor,
      propertyName: propertyName.toString(),
      options: { message: '$property must be an IANA time zone such as Asia/Tokyo', ...options },
      validator: {
        validate: (value: unknown) => typeof value === 'string' && (TIME_ZONES.has(value) || value === 'UTC'),
      },
    });
}

export class CreateSiteDto {
  /**
   * 2-5 capital letters; part of every registry id minted at the site
   * @example TKY
   */
  @Matches(/^[A-Z]{2,5}$/, { message: 'code must be 2 to 5 capital letters' })
  code: string;

  /** @example "Tokyo Memory Clinic" */
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  name: string;

  /**
   * ISO 3166-1 alpha-2
   * @example JP
   */
  @Matches(/^[A-Z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code such as JP' })
  country: string;

  /** @example Asia/Tokyo */
  @IsIanaTimeZone()
  timeZone: string;
}

export class UpdateSiteDto extends ReasonDto {
  @IsOptional()
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  name?: string;

  /** @example Asia/Tokyo */
  @IsOptional()
  @IsIanaTimeZone()
  timeZone?: string;

  /** Inactive sites take no new participants */
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class SiteDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  /** @example TKY */
  code: string;
  name: string;
  /** @example JP */
  country: string;
  /** @example Asia/Tokyo */
  timeZone: string;
  active: boolean;

  static from(this: void, site: SiteEntity): SiteDto {
    return {
      id: site.id,
      code: site.code,
      name: site.name,
      country: site.country,
      timeZone: site.timeZone,
      active: site.active,
    };
  }
}
