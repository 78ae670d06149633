import { Body, Controller, Get, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Role } from '@registry/domain';
import { ErrorResponseDto } from '@registry/platform';
import type { Actor } from '../auth/actor';
import { CurrentActor, Roles } from '../auth/decorators';
import { UuidParam } from '../common/uuid-param';
import { CreateSponsorOrganisationDto, SponsorOrganisationDto } from './sponsor-organisation.dto';
import { SponsorOrganisationsService } from './sponsor-organisations.service';

@ApiTags('sponsor organisations')
@ApiBearerAuth()
@Controller('sponsor-organisations')
export class SponsorOrganisationsController {
  constructor(private readonly organisations: SponsorOrganisationsService) {}

  @Get()
  @Roles(Role.Admin, Role.Sponsor)
  @ApiOkResponse({
    type: [SponsorOrganisationDto],
    description: 'A sponsor user sees its own organisation only',
  })
  async list(@CurrentActor() actor: Actor): Promise<SponsorOrganisationDto[]> {
    return (await this.organisations.list(actor)).map(SponsorOrganisationDto.from);
  }

  @Get(':id')
  @Roles(Role.Admin, Role.Sponsor)
  @ApiOkResponse({ type: SponsorOrganisationDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async get(@CurrentActor() actor: Actor, @UuidParam() id: string): Promise<SponsorOrganisationDto> {
    return SponsorOrganisationDto.from(await this.organisations.get(actor, id));
  }

  @Post()
  @Roles(Role.Admin)
  @ApiCreatedResponse({ type: SponsorOrganisationDto })
  async create(@Body() body: CreateSponsorOrganisationDto): Promise<SponsorOrganisationDto> {
    return SponsorOrganisationDto.from(await this.organisations.create(body.name));
  }
}
