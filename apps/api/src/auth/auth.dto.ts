import { ApiProperty } from '@nestjs/swagger';
import { Role } from '@registry/domain';
import { IsEmail, IsString, MaxLength, MinLength } from 'class-validator';

export class LoginDto {
  /** @example coordinator.tky@demo.trialready.example */
  @IsEmail()
  @MaxLength(254)
  email: string;

  /**
   * The account password
   * @example "a long passphrase"
   */
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password: string;
}

export class RefreshTokenDto {
  /** The refresh token from log-in or the last refresh */
  @IsString()
  @MinLength(20)
  @MaxLength(200)
  refreshToken: string;
}

export class ChangePasswordDto {
  /** The password in use now */
  @IsString()
  @MaxLength(1024)
  currentPassword: string;

  /** 12 to 128 characters, not common, not containing the e-mail address */
  @IsString()
  @MaxLength(1024)
  newPassword: string;
}

export class TokensDto {
  /** Signed access token (JWT, HS256); send as "Authorization: Bearer <token>" */
  accessToken: string;
  /** @example Bearer */
  tokenType: 'Bearer';
  /**
   * Seconds until the access token expires
   * @example 900
   */
  expiresIn: number;
  /** Single-use token that obtains the next pair; revoked by log-out */
  refreshToken: string;
  @ApiProperty({ format: 'date-time' })
  refreshTokenExpiresAt: string;
}

export class MeDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  email: string;
  displayName: string;
  role: Role;
  /** Sites of a coordinator or monitor */
  siteIds: string[];
  @ApiProperty({ type: String, format: 'uuid' })
  sponsorOrganisationId: string | null;
}
