import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags, ApiOperation } from '@nestjs/swagger';
import { Role } from '@registry/domain';
import { ApiErrors } from '@registry/platform';
import type { Actor } from '../auth/actor';
import { CurrentActor, Roles } from '../auth/decorators';
import { RegistryIdParam } from '../common/registry-id-param';
import { UuidParam } from '../common/uuid-param';
import {
  ConsentDocumentDto,
  ConsentStatusDto,
  ConsentWithdrawalDto,
  CreateConsentDocumentDto,
  ParticipantConsentDto,
  RecordConsentDto,
  WithdrawConsentDto,
} from './consent.dto';
import { ConsentsService } from './consents.service';

@ApiTags('consent')
@ApiBearerAuth()
@ApiErrors(400, 401, 403)
@Controller()
export class ConsentsController {
  constructor(private readonly consents: ConsentsService) {}

  @Get('consent-documents')
  @ApiOperation({ operationId: 'listConsentDocuments', summary: 'List consent documents' })
  @Roles(Role.Admin, Role.Coordinator, Role.Monitor)
  @ApiOkResponse({ type: [ConsentDocumentDto] })
  async documents(): Promise<ConsentDocumentDto[]> {
    return (await this.consents.listDocuments()).map(ConsentDocumentDto.from);
  }

  @Post('consent-documents')
  @ApiOperation({ operationId: 'createConsentDocument', summary: 'Add a consent document' })
  @ApiErrors({ status: 409, description: 'This title, version and language exist already' })
  @Roles(Role.Admin)
  @ApiCreatedResponse({ type: ConsentDocumentDto })
  async createDocument(@Body() body: CreateConsentDocumentDto): Promise<ConsentDocumentDto> {
    return ConsentDocumentDto.from(await this.consents.createDocument(body));
  }

  @Get('participants/:participantId/consents')
  @ApiOperation({
    operationId: 'getConsentStatus',
    summary: "A participant's consents and the scopes they hold",
  })
  @ApiErrors(404)
  @Roles(Role.Admin, Role.Coordinator, Role.Monitor)
  @ApiOkResponse({ type: ConsentStatusDto })
  async status(@CurrentActor() actor: Actor, @RegistryIdParam() id: string): Promise<ConsentStatusDto> {
    const { scopesHeld, consents, withdrawals } = await this.consents.status(actor, id);
    return { scopesHeld, consents: consents.map((c) => ParticipantConsentDto.from(c, withdrawals)) };
  }

  @Post('participants/:participantId/consents')
  @ApiOperation({ operationId: 'recordConsent', summary: "Record a participant's signed consent" })
  @ApiErrors(404, 409)
  @Roles(Role.Coordinator)
  @ApiCreatedResponse({ type: ParticipantConsentDto })
  async record(
    @CurrentActor() actor: Actor,
    @RegistryIdParam() id: string,
    @Body() body: RecordConsentDto,
  ): Promise<ParticipantConsentDto> {
    return ParticipantConsentDto.from(await this.consents.record(actor, id, body), []);
  }

  @Post('participants/:participantId/consents/:consentId/withdrawals')
  @ApiOperation({ operationId: 'withdrawConsent', summary: 'Withdraw a consent, or some of its scopes' })
  @ApiErrors(404, { status: 409, description: 'Already withdrawn' })
  @Roles(Role.Coordinator)
  @ApiCreatedResponse({
    type: [ConsentWithdrawalDto],
    description: 'Takes effect at once; collected data is kept',
  })
  async withdraw(
    @CurrentActor() actor: Actor,
    @RegistryIdParam() id: string,
    @UuidParam('consentId') consentId: string,
    @Body() body: WithdrawConsentDto,
  ): Promise<ConsentWithdrawalDto[]> {
    return (await this.consents.withdraw(actor, id, consentId, body)).map(ConsentWithdrawalDto.from);
  }
}
