import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags, ApiOperation } from '@nestjs/swagger';
import { Role } from '@registry/domain';
import { ApiErrors } from '@registry/platform';
import type { Actor } from '../auth/actor';
import { CurrentActor, Roles } from '../auth/decorators';
import { UuidParam } from '../common/uuid-param';
import { CreateSponsorOrganisationDto, SponsorOrganisationDto } from './sponsor-organisation.dto';
import { SponsorOrganisationsService } from './sponsor-organisations.service';

@ApiTags('sponsor organisations')
@ApiBearerAuth()
@ApiErrors(400, 401, 403)
@Controller('sponsor-organisations')
export class SponsorOrganisationsController {
  constructor(private readonly organisations: SponsorOrganisationsService) {}

  @Get()
  @ApiOperation({
    operationId: 'listSponsorOrganisations',
    summary: 'List sponsor organisations (a sponsor: its own)',
  })
  @Roles(Role.Admin, Role.Sponsor)
  @ApiOkResponse({
    type: [SponsorOrganisationDto],
    description: 'A sponsor user sees its own organisation only',
  })
  async list(@CurrentActor() actor: Actor): Promise<SponsorOrganisationDto[]> {
    return (await this.organisations.list(actor)).map(SponsorOrganisationDto.from);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getSponsorOrganisation', summary: 'Get a sponsor organisation' })
  @ApiErrors(404)
  @Roles(Role.Admin, Role.Sponsor)
  @ApiOkResponse({ type: SponsorOrganisationDto })
  async get(@CurrentActor() actor: Actor, @UuidParam() id: string): Promise<SponsorOrganisationDto> {
    return SponsorOrganisationDto.from(await this.organisations.get(actor, id));
  }

  @Post()
  @ApiOperation({ operationId: 'createSponsorOrganisation', summary: 'Create a sponsor organisation' })
  @ApiErrors({ status: 409, description: 'That name is already used' })
  @Roles(Role.Admin)
  @ApiCreatedResponse({ type: SponsorOrganisationDto })
  async create(@Body() body: CreateSponsorOrganisationDto): Promise<SponsorOrganisationDto> {
    return SponsorOrganisationDto.from(await this.organisations.create(body.name));
  }
}
