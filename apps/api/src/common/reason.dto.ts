import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

/** Why a recorded fact was changed: required by 21 CFR 11.10(e) and ICH E6(R3) for every correction. */
export class ReasonDto {
  @ApiProperty({ example: 'Site renamed by the sponsor', minLength: 3, maxLength: 1000 })
  @IsString()
  @MinLength(3)
  @MaxLength(1000)
  reason: string;
}
