import { Body, Controller, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Role } from '@registry/domain';
import { ApiErrors } from '@registry/platform';
import { SponsorDisclosure } from '@registry/sponsor-reports';
import type { Actor } from '../auth/actor';
import { CurrentActor, Roles } from '../auth/decorators';
import { UuidParam } from '../common/uuid-param';
import { FeasibilityService } from './feasibility.service';
import { PoolService } from './pool.service';
import { FeasibilityDto, FeasibilityQueryDto, TrialPoolDto } from './sponsor-counts.dto';

@ApiTags('sponsor counts')
@ApiBearerAuth()
@ApiErrors(400, 401, 403, {
  status: 429,
  description: "Over the organisation's query limit; see Retry-After",
})
@Controller()
export class SponsorCountsController {
  constructor(
    private readonly pools: PoolService,
    private readonly feasibility: FeasibilityService,
    private readonly disclosure: SponsorDisclosure,
  ) {}

  @Get('trials/:id/pool')
  @ApiOperation({
    operationId: 'getTrialPool',
    summary: "A trial's eligible, one-test-away and undetermined pool, with breakdowns, trend and projection",
  })
  @ApiErrors(404)
  @Roles(Role.Sponsor, Role.Admin)
  @ApiOkResponse({
    type: TrialPoolDto,
    description: 'Counts only, each through disclosure control; never a person',
  })
  async pool(@CurrentActor() actor: Actor, @UuidParam() id: string): Promise<TrialPoolDto> {
    return TrialPoolDto.from(await this.pools.pool(actor, id), this.disclosure);
  }

  @Post('feasibility')
  @ApiOperation({
    operationId: 'queryFeasibility',
    summary: 'Judge a criteria document over the registry: attrition funnel, pool and commonest reasons',
  })
  @Roles(Role.Sponsor, Role.Admin)
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({
    type: FeasibilityDto,
    description: 'Counts only, each through disclosure control; not saved',
  })
  async query(@CurrentActor() actor: Actor, @Body() body: FeasibilityQueryDto): Promise<FeasibilityDto> {
    return FeasibilityDto.from(await this.feasibility.query(actor, body.criteria), this.disclosure);
  }
}
