import { IsString, MaxLength, MinLength } from 'class-validator';

/** Why a recorded fact was changed: required by 21 CFR 11.10(e) and ICH E6(R3) for every correction. */
export class ReasonDto {
  /** @example "Site renamed by the sponsor" */
  @IsString()
  @MinLength(3)
  @MaxLength(1000)
  reason: string;
}
