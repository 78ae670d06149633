import { Body, Controller, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags, ApiOperation } from '@nestjs/swagger';
import { Role } from '@registry/domain';
import { ApiErrors } from '@registry/platform';
import type { Actor } from '../auth/actor';
import { CurrentActor, Roles } from '../auth/decorators';
import { ReasonDto } from '../common/reason.dto';
import { RegistryIdParam } from '../common/registry-id-param';
import { UuidParam } from '../common/uuid-param';
import {
  AssignProtocolDto,
  CreateProtocolDto,
  ProtocolDto,
  RescheduleDto,
  ScheduleDto,
} from './schedule.dto';
import { SchedulesService } from './schedules.service';

@ApiTags('protocols and schedules')
@ApiBearerAuth()
@ApiErrors(400, 401, 403)
@Controller()
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Get('protocols')
  @ApiOperation({ operationId: 'listProtocols', summary: 'List visit protocols' })
  @Roles(Role.Admin, Role.Coordinator, Role.Monitor)
  @ApiOkResponse({ type: [ProtocolDto] })
  async protocols(): Promise<ProtocolDto[]> {
    return (await this.schedules.listProtocols()).map(ProtocolDto.from);
  }

  @Post('protocols')
  @ApiOperation({
    operationId: 'createProtocol',
    summary: 'Create a visit protocol, or the next version of one',
  })
  @Roles(Role.Admin)
  @ApiCreatedResponse({ type: ProtocolDto, description: 'Creates the next version when the code exists' })
  async createProtocol(@Body() body: CreateProtocolDto): Promise<ProtocolDto> {
    return ProtocolDto.from(await this.schedules.createProtocol(body));
  }

  @Post('participants/:participantId/protocol')
  @ApiOperation({
    operationId: 'assignProtocol',
    summary: 'Assign a protocol to a participant and generate their schedule',
  })
  @ApiErrors(404, { status: 409, description: 'The participant already follows a protocol' })
  @Roles(Role.Coordinator)
  @ApiCreatedResponse({ type: ScheduleDto, description: 'The generated schedule' })
  assign(
    @CurrentActor() actor: Actor,
    @RegistryIdParam() id: string,
    @Body() body: AssignProtocolDto,
  ): Promise<ScheduleDto> {
    return this.schedules.assignProtocol(actor, id, body);
  }

  @Get('participants/:participantId/schedule')
  @ApiOperation({
    operationId: 'getSchedule',
    summary: "A participant's visit schedule, in the site's calendar",
  })
  @ApiErrors(404)
  @Roles(Role.Admin, Role.Coordinator, Role.Monitor)
  @ApiOkResponse({ type: ScheduleDto })
  schedule(@CurrentActor() actor: Actor, @RegistryIdParam() id: string): Promise<ScheduleDto> {
    return this.schedules.schedule(actor, id);
  }

  @Post('participants/:participantId/schedule/:scheduledVisitId/reschedule')
  @ApiOperation({ operationId: 'rescheduleVisit', summary: 'Move a scheduled visit to another day' })
  @ApiErrors(404, 409)
  @Roles(Role.Coordinator)
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: ScheduleDto })
  reschedule(
    @CurrentActor() actor: Actor,
    @RegistryIdParam() id: string,
    @UuidParam('scheduledVisitId') scheduledVisitId: string,
    @Body() body: RescheduleDto,
  ): Promise<ScheduleDto> {
    return this.schedules.reschedule(actor, id, scheduledVisitId, body);
  }

  @Post('participants/:participantId/schedule/:scheduledVisitId/cancel')
  @ApiOperation({ operationId: 'cancelScheduledVisit', summary: 'Cancel a scheduled visit' })
  @ApiErrors(404, 409)
  @Roles(Role.Coordinator)
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: ScheduleDto })
  cancel(
    @CurrentActor() actor: Actor,
    @RegistryIdParam() id: string,
    @UuidParam('scheduledVisitId') scheduledVisitId: string,
    @Body() body: ReasonDto,
  ): Promise<ScheduleDto> {
    return this.schedules.cancel(actor, id, scheduledVisitId, body.reason);
  }
}
