import { Body, Controller, Get, Patch, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
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
import { CreateSiteDto, SiteDto, UpdateSiteDto } from './site.dto';
import { SitesService } from './sites.service';

@ApiTags('sites')
@ApiBearerAuth()
@Controller('sites')
export class SitesController {
  constructor(private readonly sites: SitesService) {}

  @Get()
  @Roles(Role.Admin, Role.Coordinator, Role.Monitor, Role.Sponsor)
  @ApiOkResponse({ type: [SiteDto], description: 'Coordinators and monitors see their own sites only' })
  async list(@CurrentActor() actor: Actor): Promise<SiteDto[]> {
    return (await this.sites.list(actor)).map(SiteDto.from);
  }

  @Get(':id')
  @Roles(Role.Admin, Role.Coordinator, Role.Monitor, Role.Sponsor)
  @ApiOkResponse({ type: SiteDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async get(@CurrentActor() actor: Actor, @UuidParam() id: string): Promise<SiteDto> {
    return SiteDto.from(await this.sites.get(actor, id));
  }

  @Post()
  @Roles(Role.Admin)
  @ApiCreatedResponse({ type: SiteDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The code is taken' })
  async create(@Body() body: CreateSiteDto): Promise<SiteDto> {
    return SiteDto.from(await this.sites.create(body));
  }

  @Patch(':id')
  @Roles(Role.Admin)
  @ApiOkResponse({ type: SiteDto })
  async update(@UuidParam() id: string, @Body() body: UpdateSiteDto): Promise<SiteDto> {
    return SiteDto.from(await this.sites.update(id, body));
  }
}
