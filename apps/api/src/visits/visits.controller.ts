import { Body, Controller, Get, Headers, Patch, Post, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiTags,
  ApiOperation,
} from '@nestjs/swagger';
import { Role } from '@registry/domain';
import { ApiErrors, ValidationFailedException } from '@registry/platform';
import type { Response } from 'express';
import type { Actor } from '../auth/actor';
import { CurrentActor, Roles } from '../auth/decorators';
import { RegistryIdParam } from '../common/registry-id-param';
import { UuidParam } from '../common/uuid-param';
import { AssessmentDto, CorrectAssessmentDto, RecordVisitDto, VisitDto } from './visit.dto';
import { VisitsService } from './visits.service';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_:.-]{8,100}$/;

@ApiTags('visits and assessments')
@ApiBearerAuth()
@ApiErrors(400, 401, 403)
@Controller('participants/:participantId')
export class VisitsController {
  constructor(private readonly visits: VisitsService) {}

  @Post('visits')
  @ApiOperation({ operationId: 'recordVisit', summary: "Record a participant's visit and its assessments" })
  @ApiErrors(404, { status: 409, description: 'Consent scope missing, scheduled visit taken, or key reused' })
  @Roles(Role.Coordinator)
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Repeat a request with the same key to get the first result',
  })
  @ApiCreatedResponse({
    type: VisitDto,
    description: '201 when recorded; 200 with Idempotent-Replayed: true for a repeat',
  })
  async record(
    @CurrentActor() actor: Actor,
    @RegistryIdParam() id: string,
    @Body() body: RecordVisitDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<VisitDto> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new ValidationFailedException([
        {
          field: 'Idempotency-Key',
          constraint: 'matches',
          message: 'Idempotency-Key must be 8-100 letters, digits, "_", ":", "." or "-"',
        },
      ]);
    }
    const { visit, replayed } = await this.visits.record(actor, id, body, idempotencyKey);
    if (replayed) res.status(200).setHeader('Idempotent-Replayed', 'true');
    return VisitDto.from(visit);
  }

  @Get('visits')
  @ApiOperation({ operationId: 'listVisits', summary: "List a participant's visits" })
  @ApiErrors(404)
  @Roles(Role.Admin, Role.Coordinator, Role.Monitor)
  @ApiOkResponse({ type: [VisitDto] })
  async list(@CurrentActor() actor: Actor, @RegistryIdParam() id: string): Promise<VisitDto[]> {
    return (await this.visits.list(actor, id)).map(VisitDto.from);
  }

  @Patch('assessments/:assessmentId')
  @ApiOperation({
    operationId: 'correctAssessment',
    summary: 'Correct an assessment (the earlier values stay in the audit trail)',
  })
  @ApiErrors(404, 409)
  @Roles(Role.Coordinator)
  @ApiOkResponse({
    type: AssessmentDto,
    description: 'Corrected; the earlier values stay in the audit trail',
  })
  async correct(
    @CurrentActor() actor: Actor,
    @RegistryIdParam() id: string,
    @UuidParam('assessmentId') assessmentId: string,
    @Body() body: CorrectAssessmentDto,
  ): Promise<AssessmentDto> {
    return AssessmentDto.from(await this.visits.correct(actor, id, assessmentId, body));
  }
}
