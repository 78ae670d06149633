import { Body, Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { Role } from '@registry/domain';
import { ErrorResponseDto } from '@registry/platform';
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
@Controller('participants')
export class ParticipantsController {
  constructor(private readonly participants: ParticipantsService) {}

  @Post()
  @Roles(Role.Coordinator)
  @ApiCreatedResponse({ type: ParticipantDto, description: 'Enrolled under a new registry id' })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'Possible duplicate; meta.matchingSites names the sites',
  })
  @ApiTooManyRequestsResponse({
    type: ErrorResponseDto,
    description: 'Too many enrolment attempts (duplicate checks) by this user this minute; see Retry-After',
  })
  async enroll(@CurrentActor() actor: Actor, @Body() body: EnrollParticipantDto): Promise<ParticipantDto> {
    return ParticipantDto.from(await this.participants.enroll(actor, body));
  }

  @Get()
  @Roles(...CLINICAL_READERS)
  @ApiOkResponse({ type: ParticipantPageDto, description: 'Only participants of your sites (admins: all)' })
  async list(@CurrentActor() actor: Actor, @Query() query: ParticipantQueryDto): Promise<ParticipantPageDto> {
    const [participants, total] = await this.participants.list(actor, query);
    return pageOf(participants.map(ParticipantDto.from), total, query);
  }

  @Get(':participantId')
  @Roles(...CLINICAL_READERS)
  @ApiOkResponse({ type: ParticipantDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async get(@CurrentActor() actor: Actor, @RegistryIdParam() id: string): Promise<ParticipantDto> {
    return ParticipantDto.from(await this.participants.get(actor, id));
  }

  @Get(':participantId/identity')
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
  @Roles(Role.Coordinator)
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: ParticipantDto })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'Transition not allowed; meta.allowed lists the allowed ones',
  })
  async transition(
    @CurrentActor() actor: Actor,
    @RegistryIdParam() id: string,
    @Body() body: TransitionDto,
  ): Promise<ParticipantDto> {
    return ParticipantDto.from(await this.participants.transition(actor, id, body));
  }
}
