import { Body, Controller, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Role } from '@registry/domain';
import { ApiErrors } from '@registry/platform';
import { SponsorDisclosure } from '@registry/sponsor-reports';
import type { Actor } from '../auth/actor';
import { CurrentActor, Roles } from '../auth/decorators';
import { UuidParam } from '../common/uuid-param';
import {
  ContactTransitionDto,
  CreateReferralRequestDto,
  RecruitmentSpeedDto,
  ReferralCandidateDto,
  ReferralContactDto,
  ReferralFunnelDto,
  ReferralRequestCreatedDto,
  ReferralRequestDetailDto,
  ReferralRequestDto,
  StartContactDto,
} from './referral.dto';
import { ReferralsService } from './referrals.service';

@ApiTags('referrals')
@ApiBearerAuth()
@ApiErrors(400, 401, 403)
@Controller()
export class ReferralsController {
  constructor(
    private readonly referrals: ReferralsService,
    private readonly disclosure: SponsorDisclosure,
  ) {}

  @Post('trials/:id/referral-requests')
  @ApiOperation({
    operationId: 'requestReferrals',
    summary: 'Ask sites of a recruiting trial for referrals: how many people, by when',
  })
  @ApiErrors(404, {
    status: 409,
    description: 'The trial is not recruiting, or a site already has an open request',
  })
  @Roles(Role.Sponsor)
  @ApiCreatedResponse({
    type: [ReferralRequestCreatedDto],
    description: "One request per site, visible to that site's coordinators",
  })
  async request(
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
    @Body() body: CreateReferralRequestDto,
  ): Promise<ReferralRequestCreatedDto[]> {
    return (await this.referrals.request(actor, id, body)).map((request) => ({
      id: request.id,
      siteId: request.siteId,
      requestedCount: request.requestedCount,
      dueOn: request.dueOn,
    }));
  }

  @Get('trials/:id/referral-funnel')
  @ApiOperation({
    operationId: 'getReferralFunnel',
    summary: "A trial's referral funnel per site and overall, with per-trial tokens",
  })
  @ApiErrors(404, { status: 429, description: "Over the organisation's query limit; see Retry-After" })
  @Roles(Role.Sponsor, Role.Admin)
  @ApiOkResponse({
    type: ReferralFunnelDto,
    description: 'Counts only, each through disclosure control; tokens, never registry ids',
  })
  async funnel(@CurrentActor() actor: Actor, @UuidParam() id: string): Promise<ReferralFunnelDto> {
    return ReferralFunnelDto.from(await this.referrals.funnel(actor, id), this.disclosure);
  }

  @Get('referral-requests')
  @ApiOperation({ operationId: 'listReferralRequests', summary: 'List referral requests to your sites' })
  @Roles(Role.Admin, Role.Coordinator, Role.Monitor)
  @ApiOkResponse({
    type: [ReferralRequestDto],
    description: "Your sites' requests (admins: all), newest first",
  })
  async list(@CurrentActor() actor: Actor): Promise<ReferralRequestDto[]> {
    return (await this.referrals.list(actor)).map(ReferralRequestDto.from);
  }

  @Get('referral-requests/:id')
  @ApiOperation({
    operationId: 'getReferralRequest',
    summary: 'A referral request with its contacts and the site’s candidates, longest eligible first',
  })
  @ApiErrors(404)
  @Roles(Role.Admin, Role.Coordinator, Role.Monitor)
  @ApiOkResponse({ type: ReferralRequestDetailDto })
  async get(@CurrentActor() actor: Actor, @UuidParam() id: string): Promise<ReferralRequestDetailDto> {
    const detail = await this.referrals.get(actor, id);
    return {
      ...ReferralRequestDto.from(detail.request),
      contactList: detail.contacts.map(ReferralContactDto.from),
      candidates: detail.candidates.map(ReferralCandidateDto.from),
    };
  }

  @Post('referral-requests/:id/contacts')
  @ApiOperation({
    operationId: 'startReferralContact',
    summary: 'Start contacting a candidate for a request',
  })
  @ApiErrors(404, {
    status: 409,
    description: 'Closed request, trial not recruiting, or the participant is not a candidate',
  })
  @Roles(Role.Coordinator)
  @ApiCreatedResponse({ type: ReferralContactDto, description: 'The contact, to_contact' })
  async startContact(
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
    @Body() body: StartContactDto,
  ): Promise<ReferralContactDto> {
    return ReferralContactDto.from(await this.referrals.startContact(actor, id, body.participantId));
  }

  @Post('referral-contacts/:id/transitions')
  @ApiOperation({
    operationId: 'transitionReferralContact',
    summary:
      'Record what happened with a contact (not reached, declined, interested, booked, screen failed, randomised)',
  })
  @ApiErrors(404, {
    status: 409,
    description: 'Not an allowed transition from the current state (named in the error)',
  })
  @Roles(Role.Coordinator)
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: ReferralContactDto })
  async transition(
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
    @Body() body: ContactTransitionDto,
  ): Promise<ReferralContactDto> {
    return ReferralContactDto.from(await this.referrals.transition(actor, id, body));
  }

  @Get('referrals/recruitment-speed')
  @ApiOperation({
    operationId: 'getRecruitmentSpeed',
    summary: 'Days from first eligible flag to randomisation, per site: median and quartiles, with n',
  })
  @Roles(Role.Admin)
  @ApiOkResponse({ type: RecruitmentSpeedDto })
  async speed(): Promise<RecruitmentSpeedDto> {
    return RecruitmentSpeedDto.from(await this.referrals.recruitmentSpeed());
  }
}
