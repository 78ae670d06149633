import { Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags, ApiOperation } from '@nestjs/swagger';
import { Role } from '@registry/domain';
import { ApiErrors } from '@registry/platform';
import type { Actor } from '../auth/actor';
import { CurrentActor, Roles } from '../auth/decorators';
import { pageOf } from '../common/paging';
import { RegistryIdParam } from '../common/registry-id-param';
import { UuidParam } from '../common/uuid-param';
import { EligibilityDto, FlagDto, FlagPageDto, FlagQueryDto } from './flag.dto';
import { FlagsService } from './flags.service';

@ApiTags('eligibility and flags')
@ApiBearerAuth()
@ApiErrors(400, 401, 403)
@Controller()
export class FlagsController {
  constructor(private readonly flags: FlagsService) {}

  @Get('flags')
  @ApiOperation({ operationId: 'listFlags', summary: 'List eligibility flags at your sites' })
  @Roles(Role.Admin, Role.Coordinator, Role.Monitor)
  @ApiOkResponse({
    type: FlagPageDto,
    description: 'Participants newly eligible or one test away, at your sites',
  })
  async list(@CurrentActor() actor: Actor, @Query() query: FlagQueryDto): Promise<FlagPageDto> {
    const [items, total] = await this.flags.list(actor, query);
    return pageOf(items, total, query);
  }

  @Post('flags/:id/acknowledge')
  @ApiOperation({
    operationId: 'acknowledgeFlag',
    summary: 'Acknowledge a flag once the site has acted on it',
  })
  @ApiErrors(404, { status: 409, description: 'The flag was closed' })
  @Roles(Role.Coordinator)
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: FlagDto })
  acknowledge(@CurrentActor() actor: Actor, @UuidParam() id: string): Promise<FlagDto> {
    return this.flags.acknowledge(actor, id);
  }

  @Get('participants/:participantId/eligibility')
  @ApiOperation({
    operationId: 'getParticipantEligibility',
    summary: "A participant's stored eligibility for every trial, with its explanation",
  })
  @ApiErrors(404)
  @Roles(Role.Admin, Role.Coordinator, Role.Monitor)
  @ApiOkResponse({
    type: [EligibilityDto],
    description:
      'The stored determination for every trial, with the explanation stored with it (a tree of the criteria, each node with its result, and the leaves that decided it) and when it was computed; a participant who has only registered is not_screened, with the reason',
  })
  eligibility(@CurrentActor() actor: Actor, @RegistryIdParam() id: string): Promise<EligibilityDto[]> {
    return this.flags.eligibility(actor, id);
  }
}
