import { Body, Controller, Get, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags, ApiOperation } from '@nestjs/swagger';
import { Role } from '@registry/domain';
import { ApiErrors } from '@registry/platform';
import type { Actor } from '../auth/actor';
import { CurrentActor, Roles } from '../auth/decorators';
import { UuidParam } from '../common/uuid-param';
import { CreateSiteDto, SiteDto, UpdateSiteDto } from './site.dto';
import { SitesService } from './sites.service';

@ApiTags('sites')
@ApiBearerAuth()
@ApiErrors(400, 401, 403)
@Controller('sites')
export class SitesController {
  constructor(private readonly sites: SitesService) {}

  @Get()
  @ApiOperation({ operationId: 'listSites', summary: 'List sites (coordinators and monitors: their own)' })
  @Roles(Role.Admin, Role.Coordinator, Role.Monitor, Role.Sponsor)
  @ApiOkResponse({ type: [SiteDto], description: 'Coordinators and monitors see their own sites only' })
  async list(@CurrentActor() actor: Actor): Promise<SiteDto[]> {
    return (await this.sites.list(actor)).map(SiteDto.from);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getSite', summary: 'Get a site' })
  @ApiErrors(404)
  @Roles(Role.Admin, Role.Coordinator, Role.Monitor, Role.Sponsor)
  @ApiOkResponse({ type: SiteDto })
  async get(@CurrentActor() actor: Actor, @UuidParam() id: string): Promise<SiteDto> {
    return SiteDto.from(await this.sites.get(actor, id));
  }

  @Post()
  @ApiOperation({ operationId: 'createSite', summary: 'Create a site' })
  @ApiErrors({ status: 409, description: 'The code is taken' })
  @Roles(Role.Admin)
  @ApiCreatedResponse({ type: SiteDto })
  async create(@Body() body: CreateSiteDto): Promise<SiteDto> {
    return SiteDto.from(await this.sites.create(body));
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'updateSite', summary: 'Update a site' })
  @ApiErrors(404)
  @Roles(Role.Admin)
  @ApiOkResponse({ type: SiteDto })
  async update(@UuidParam() id: string, @Body() body: UpdateSiteDto): Promise<SiteDto> {
    return SiteDto.from(await this.sites.update(id, body));
  }
}
