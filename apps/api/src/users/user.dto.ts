import { ApiProperty } from '@nestjs/swagger';
import { Role } from '@registry/domain';
import type { UserEntity } from '@registry/persistence';
import {
  ArrayMaxSize,
  IsArray,
  IsEmail,
  IsEnum,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  MinLength,
} from 'class-validator';
import type { Page } from '../common/paging';
import { ReasonDto } from '../common/reason.dto';

export class CreateUserDto {
  /** @example kim.lee@site.example */
  @IsEmail()
  @MaxLength(254)
  email: string;

  /** @example "Kim Lee" */
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  displayName: string;

  @IsEnum(Role)
  role: Role;

  /** 12 to 128 characters, not common, not containing the e-mail address */
  @IsString()
  @MaxLength(1024)
  password: string;

  /** Required (one or more) for coordinators and monitors */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  siteIds?: string[];

  /** Required for sponsors, refused for other roles */
  @IsOptional()
  @IsUUID()
  sponsorOrganisationId?: string;
}

export class UpdateUserDto extends ReasonDto {
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  displayName?: string;

  @IsOptional()
  @IsEnum(Role)
  role?: Role;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  siteIds?: string[];

  @IsOptional()
  @IsUUID()
  sponsorOrganisationId?: string | null;
}

export class UserDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  email: string;
  displayName: string;
  role: Role;
  siteIds: string[];
  @ApiProperty({ type: String, format: 'uuid' })
  sponsorOrganisationId: string | null;
  active: boolean;
  /** Set while the account is locked */
  @ApiProperty({ type: String, format: 'date-time' })
  lockedUntil: string | null;
  @ApiProperty({ type: String, format: 'date-time' })
  lastLoginAt: string | null;

  /** Never the password hash or the failure counter; a lock that has run out by `now` is shown as none. */
  static from(this: void, user: UserEntity, now: Date): UserDto {
    return {
      id: user.id,
      email: user.email,
      displayName: user.displayName,
      role: user.role,
      siteIds: (user.sites ?? []).map((site) => site.id).sort(),
      sponsorOrganisationId: user.sponsorOrganisationId,
      active: user.active,
      lockedUntil: user.lockedUntil && user.lockedUntil > now ? user.lockedUntil.toISOString() : null,
      lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
    };
  }
}

export class UserPageDto implements Page<UserDto> {
  items: UserDto[];
  page: number;
  pageSize: number;
  total: number;
}
