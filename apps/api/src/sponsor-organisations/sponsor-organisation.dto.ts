import { ApiProperty } from '@nestjs/swagger';
import type { SponsorOrganisationEntity } from '@registry/persistence';
import { IsString, MaxLength, MinLength } from 'class-validator';

export class CreateSponsorOrganisationDto {
  /** @example "Example Pharma K.K." */
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  name: string;
}

export class SponsorOrganisationDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  name: string;
  active: boolean;

  static from(this: void, organisation: SponsorOrganisationEntity): SponsorOrganisationDto {
    return { id: organisation.id, name: organisation.name, active: organisation.active };
  }
}
