import { Body, Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags, ApiOperation } from '@nestjs/swagger';
import { Role } from '@registry/domain';
import { ApiErrors } from '@registry/platform';
import type { Actor } from '../auth/actor';
import { CurrentActor, Roles } from '../auth/decorators';
import { pageOf } from '../common/paging';
import { RegistryIdParam } from '../common/registry-id-param';
import {
  EnrollParticipantDto,
  ParticipantDto,
  ParticipantIdentityViewDto,
  ParticipantPageDto,
  ParticipantQueryDto,
  TransitionDto,
} from './participant.dto';
import { ParticipantsService } from './participants.service';

const CLINICAL_READERS = [Role.Admin, Role.Coordinator, Role.Monitor];

@ApiTags('participants')
@ApiBearerAuth()
@ApiErrors(400, 401, 403)
@Controller('participants')
export class ParticipantsController {
  constructor(private readonly participants: ParticipantsService) {}

  @Post()
  @ApiOperation({ operationId: 'enrolParticipant', summary: 'Register a participant at one of your sites' })
  @ApiErrors(
    { status: 409, description: 'Possible duplicate; meta.matchingSites names the sites' },
    {
      status: 429,
      description: 'Too many enrolment attempts (duplicate checks) by this user this minute; see Retry-After',
    },
  )
  @Roles(Role.Coordinator)
  @ApiCreatedResponse({ type: ParticipantDto, description: 'Enrolled under a new registry id' })
  async enroll(@CurrentActor() actor: Actor, @Body() body: EnrollParticipantDto): Promise<ParticipantDto> {
    return ParticipantDto.from(await this.participants.enroll(actor, body));
  }

  @Get()
  @ApiOperation({ operationId: 'listParticipants', summary: 'List the participants of your sites' })
  @Roles(...CLINICAL_READERS)
  @ApiOkResponse({ type: ParticipantPageDto, description: 'Only participants of your sites (admins: all)' })
  async list(@CurrentActor() actor: Actor, @Query() query: ParticipantQueryDto): Promise<ParticipantPageDto> {
    const [participants, total] = await this.participants.list(actor, query);
    return pageOf(participants.map(ParticipantDto.from), total, query);
  }

  @Get(':participantId')
  @ApiOperation({ operationId: 'getParticipant', summary: 'Get a participant' })
  @ApiErrors(404)
  @Roles(...CLINICAL_READERS)
  @ApiOkResponse({ type: ParticipantDto })
  async get(@CurrentActor() actor: Actor, @RegistryIdParam() id: string): Promise<ParticipantDto> {
    return ParticipantDto.from(await this.participants.get(actor, id));
  }

  @Get(':participantId/identity')
  @ApiOperation({
    operationId: 'getParticipantIdentity',
    summary: "A participant's names and contacts (own-site coordinators only)",
  })
  @ApiErrors(404)
  @Roles(Role.Coordinator)
  @ApiOkResponse({
    type: ParticipantIdentityViewDto,
    description: "Names and contacts, for the participant's own-site coordinators only",
  })
  async identity(
    @CurrentActor() actor: Actor,
    @RegistryIdParam() id: string,
  ): Promise<ParticipantIdentityViewDto> {
    return ParticipantIdentityViewDto.from(await this.participants.identity(actor, id));
  }

  @Post(':participantId/status')
  @ApiOperation({
    operationId: 'changeParticipantStatus',
    summary: "Change a participant's status (an audited transition)",
  })
  @ApiErrors(404, { status: 409, description: 'Transition not allowed; meta.allowed lists the allowed ones' })
  @Roles(Role.Coordinator)
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: ParticipantDto })
  async transition(
    @CurrentActor() actor: Actor,
    @RegistryIdParam() id: string,
    @Body() body: TransitionDto,
  ): Promise<ParticipantDto> {
    return ParticipantDto.from(await this.participants.transition(actor, id, body));
  }
}
