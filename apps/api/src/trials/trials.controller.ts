import { Body, Controller, Get, HttpCode, HttpStatus, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags, ApiOperation } from '@nestjs/swagger';
import { Role, TRIAL_TEMPLATES } from '@registry/domain';
import { ApiErrors } from '@registry/platform';
import type { Actor } from '../auth/actor';
import { CurrentActor, Roles } from '../auth/decorators';
import { UuidParam } from '../common/uuid-param';
import {
  CreateTrialDto,
  CriteriaUpdatedDto,
  ScreeningRunDto,
  SiteProposalDto,
  SiteProposalQueryDto,
  TrialDto,
  TrialTemplateDto,
  UpdateCriteriaDto,
  UpdateTrialDto,
} from './trial.dto';
import { SiteDecision, TrialsService } from './trials.service';

@ApiTags('trials')
@ApiBearerAuth()
@ApiErrors(400, 401, 403)
@Controller('trials')
export class TrialsController {
  constructor(private readonly trials: TrialsService) {}

  @Get('templates')
  @ApiOperation({
    operationId: 'listTrialTemplates',
    summary: 'List the trial templates (A4, AHEAD, TRAILBLAZER-ALZ 3)',
  })
  @Roles(Role.Sponsor, Role.Admin)
  @ApiOkResponse({
    type: [TrialTemplateDto],
    description: 'A4, AHEAD A3 and A45, TRAILBLAZER-ALZ 3 as starting points',
  })
  templates(): TrialTemplateDto[] {
    return TRIAL_TEMPLATES.map((t) => ({ ...t, criteria: t.criteria as unknown as Record<string, unknown> }));
  }

  @Get('site-proposals')
  @ApiOperation({
    operationId: 'listSiteProposals',
    summary: 'List proposals that your sites take part in a trial',
  })
  @Roles(Role.Admin, Role.Coordinator)
  @ApiOkResponse({
    type: [SiteProposalDto],
    description: "Sponsors' proposals that a site take part in a trial: your sites' (admins: all)",
  })
  async siteProposals(
    @CurrentActor() actor: Actor,
    @Query() query: SiteProposalQueryDto,
  ): Promise<SiteProposalDto[]> {
    return (await this.trials.siteProposals(actor, query.state)).map(SiteProposalDto.fromProposal);
  }

  @Post(':id/sites/:siteId/accept')
  @ApiOperation({ operationId: 'acceptTrialAtSite', summary: 'Accept that a site take part in a trial' })
  @ApiErrors(
    { status: 404, description: 'No proposal for this trial at your site' },
    { status: 409, description: 'Already accepted or declined' },
  )
  @Roles(Role.Admin, Role.Coordinator)
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({
    type: SiteProposalDto,
    description: 'The site takes part: it is screened for the trial and its coordinators get its flags',
  })
  acceptSite(
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
    @UuidParam('siteId') siteId: string,
  ): Promise<SiteProposalDto> {
    return this.decideSite(actor, id, siteId, 'accepted');
  }

  @Post(':id/sites/:siteId/decline')
  @ApiOperation({ operationId: 'declineTrialAtSite', summary: 'Decline that a site take part in a trial' })
  @ApiErrors(
    { status: 404, description: 'No proposal for this trial at your site' },
    { status: 409, description: 'Already accepted or declined' },
  )
  @Roles(Role.Admin, Role.Coordinator)
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: SiteProposalDto, description: 'The site does not take part' })
  declineSite(
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
    @UuidParam('siteId') siteId: string,
  ): Promise<SiteProposalDto> {
    return this.decideSite(actor, id, siteId, 'declined');
  }

  private async decideSite(
    actor: Actor,
    trialId: string,
    siteId: string,
    decision: SiteDecision,
  ): Promise<SiteProposalDto> {
    return SiteProposalDto.fromProposal(await this.trials.decideSite(actor, trialId, siteId, decision));
  }

  @Get()
  @ApiOperation({ operationId: 'listTrials', summary: 'List the trials you may see' })
  @Roles(Role.Sponsor, Role.Admin, Role.Coordinator, Role.Monitor)
  @ApiOkResponse({ type: [TrialDto] })
  async list(@CurrentActor() actor: Actor): Promise<TrialDto[]> {
    const trials = await this.trials.list(actor);
    return Promise.all(trials.map(async (trial) => TrialDto.from(trial, await this.trials.criteria(trial))));
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getTrial', summary: 'Get a trial with its current criteria' })
  @ApiErrors(404)
  @Roles(Role.Sponsor, Role.Admin, Role.Coordinator, Role.Monitor)
  @ApiOkResponse({ type: TrialDto })
  async get(@CurrentActor() actor: Actor, @UuidParam() id: string): Promise<TrialDto> {
    const trial = await this.trials.get(actor, id);
    return TrialDto.from(trial, await this.trials.criteria(trial));
  }

  @Post()
  @ApiOperation({ operationId: 'createTrial', summary: 'Create a trial and propose it to sites' })
  @Roles(Role.Sponsor)
  @ApiCreatedResponse({
    type: TrialDto,
    description: 'The trial, with its sites proposed: none takes part until an admin or the site accepts',
  })
  async create(@CurrentActor() actor: Actor, @Body() body: CreateTrialDto): Promise<TrialDto> {
    return TrialDto.from(await this.trials.create(actor, body), body.criteria);
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'updateTrial', summary: 'Update a trial (title, status, sites)' })
  @ApiErrors(404)
  @Roles(Role.Sponsor)
  @ApiOkResponse({ type: TrialDto })
  async update(
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
    @Body() body: UpdateTrialDto,
  ): Promise<TrialDto> {
    const trial = await this.trials.update(actor, id, body);
    return TrialDto.from(trial, await this.trials.criteria(trial));
  }

  @Put(':id/criteria')
  @ApiOperation({
    operationId: 'updateTrialCriteria',
    summary: "Replace a trial's criteria: a new version, and the cohort is re-screened",
  })
  @ApiErrors(404)
  @Roles(Role.Sponsor)
  @ApiOkResponse({
    type: CriteriaUpdatedDto,
    description: 'The new criteria version and, for a recruiting trial, the screening run started',
  })
  async updateCriteria(
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
    @Body() body: UpdateCriteriaDto,
  ) {
    const { trial, runId } = await this.trials.updateCriteria(actor, id, body.criteria);
    return { trial: TrialDto.from(trial, body.criteria), screeningRunId: runId };
  }

  @Get(':id/screening-runs/:runId')
  @ApiOperation({ operationId: 'getScreeningRun', summary: "A screening run's progress" })
  @ApiErrors(404)
  @Roles(Role.Sponsor, Role.Admin)
  @ApiOkResponse({ type: ScreeningRunDto })
  async run(
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
    @UuidParam('runId') runId: string,
  ): Promise<ScreeningRunDto> {
    const run = await this.trials.run(actor, id, runId);
    return {
      id: run.id,
      trialId: run.trialId,
      criteriaVersion: run.criteriaVersion,
      cause: run.cause,
      done: run.done,
      total: run.total,
      progressPercent: run.progressPercent,
      startedAt: run.startedAt.toISOString(),
      finishedAt: run.finishedAt?.toISOString() ?? null,
    };
  }
}
