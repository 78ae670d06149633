import { Body, Controller, Get, Patch, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Role, TRIAL_TEMPLATES } from '@registry/domain';
import type { Actor } from '../auth/actor';
import { CurrentActor, Roles } from '../auth/decorators';
import { UuidParam } from '../common/uuid-param';
import {
  CreateTrialDto,
  ScreeningRunDto,
  TrialDto,
  TrialTemplateDto,
  UpdateCriteriaDto,
  UpdateTrialDto,
} from './trial.dto';
import { TrialsService } from './trials.service';

@ApiTags('trials')
@ApiBearerAuth()
@Controller('trials')
export class TrialsController {
  constructor(private readonly trials: TrialsService) {}

  @Get('templates')
  @Roles(Role.Sponsor, Role.Admin)
  @ApiOkResponse({
    type: [TrialTemplateDto],
    description: 'A4, AHEAD A3 and A45, TRAILBLAZER-ALZ 3 as starting points',
  })
  templates(): TrialTemplateDto[] {
    return TRIAL_TEMPLATES.map((t) => ({ ...t, criteria: t.criteria as unknown as Record<string, unknown> }));
  }

  @Get()
  @Roles(Role.Sponsor, Role.Admin, Role.Coordinator, Role.Monitor)
  @ApiOkResponse({ type: [TrialDto] })
  async list(@CurrentActor() actor: Actor): Promise<TrialDto[]> {
    const trials = await this.trials.list(actor);
    return Promise.all(trials.map(async (trial) => TrialDto.from(trial, await this.trials.criteria(trial))));
  }

  @Get(':id')
  @Roles(Role.Sponsor, Role.Admin, Role.Coordinator, Role.Monitor)
  @ApiOkResponse({ type: TrialDto })
  async get(@CurrentActor() actor: Actor, @UuidParam() id: string): Promise<TrialDto> {
    const trial = await this.trials.get(actor, id);
    return TrialDto.from(trial, await this.trials.criteria(trial));
  }

  @Post()
  @Roles(Role.Sponsor)
  @ApiCreatedResponse({ type: TrialDto })
  async create(@CurrentActor() actor: Actor, @Body() body: CreateTrialDto): Promise<TrialDto> {
    return TrialDto.from(await this.trials.create(actor, body), body.criteria);
  }

  @Patch(':id')
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
  @Roles(Role.Sponsor)
  @ApiOkResponse({
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
      startedAt: run.startedAt.toISOString(),
      finishedAt: run.finishedAt?.toISOString() ?? null,
    };
  }
}
