import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsString, MaxLength, MinLength } from 'class-validator';

export class LoginDto {
  @ApiProperty({ example: 'coordinator.tky@demo.trialready.example' })
  @IsEmail()
  @MaxLength(254)
  email: string;

  @ApiProperty({ example: 'a long passphrase', description: 'The account password' })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password: string;
}

export class RefreshTokenDto {
  @ApiProperty({ description: 'The refresh token from log-in or the last refresh' })
  @IsString()
  @MinLength(20)
  @MaxLength(200)
  refreshToken: string;
}

export class ChangePasswordDto {
  @ApiProperty({ description: 'The password in use now' })
  @IsString()
  @MaxLength(1024)
  currentPassword: string;

  @ApiProperty({ description: '12 to 128 characters, not common, not containing the e-mail address' })
  @IsString()
  @MaxLength(1024)
  newPassword: string;
}

export class TokensDto {
  @ApiProperty({ description: 'Signed access token (JWT, HS256); send as "Authorization: Bearer <token>"' })
  accessToken: string;
  @ApiProperty({ example: 'Bearer' })
  tokenType: 'Bearer';
  @ApiProperty({ example: 900, description: 'Seconds until the access token expires' })
  expiresIn: number;
  @ApiProperty({ description: 'Single-use token that obtains the next pair; revoked by log-out' })
  refreshToken: string;
  @ApiProperty({ format: 'date-time' })
  refreshTokenExpiresAt: string;
}

export class MeDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  email: string;
  displayName: string;
  @ApiProperty({ enum: ['admin', 'coordinator', 'sponsor', 'monitor'] })
  role: string;
  @ApiProperty({ type: [String], description: 'Sites of a coordinator or monitor' })
  siteIds: string[];
  @ApiProperty({ type: String, nullable: true, format: 'uuid' })
  sponsorOrganisationId: string | null;
}
