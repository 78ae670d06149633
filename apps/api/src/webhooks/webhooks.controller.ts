import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Role } from '@registry/domain';
import { ApiErrors } from '@registry/platform';
import type { Actor } from '../auth/actor';
import { CurrentActor, Roles } from '../auth/decorators';
import { pageOf } from '../common/paging';
import { UuidParam } from '../common/uuid-param';
import {
  CreateWebhookEndpointDto,
  RotateWebhookSecretDto,
  WebhookDeliveryDto,
  WebhookDeliveryPageDto,
  WebhookDeliveryQueryDto,
  WebhookEndpointDto,
  WebhookEndpointWithSecretDto,
} from './webhook.dto';
import { EndpointWithSecret, WebhooksService } from './webhooks.service';

const withSecret = ({ endpoint, secret }: EndpointWithSecret): WebhookEndpointWithSecretDto => ({
  ...WebhookEndpointDto.from(endpoint),
  secret,
});

@ApiTags('webhooks')
@ApiBearerAuth()
@ApiErrors(400, 401, 403)
@Roles(Role.Sponsor)
@Controller()
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post('webhook-endpoints')
  @ApiOperation({
    operationId: 'createWebhookEndpoint',
    summary: 'Register an https endpoint for your organisation; the signing secret is shown once',
  })
  @ApiCreatedResponse({ type: WebhookEndpointWithSecretDto })
  async create(
    @CurrentActor() actor: Actor,
    @Body() body: CreateWebhookEndpointDto,
  ): Promise<WebhookEndpointWithSecretDto> {
    return withSecret(await this.webhooks.create(actor, body.url, body.eventTypes));
  }

  @Get('webhook-endpoints')
  @ApiOperation({ operationId: 'listWebhookEndpoints', summary: "Your organisation's webhook endpoints" })
  @ApiOkResponse({ type: [WebhookEndpointDto] })
  async list(@CurrentActor() actor: Actor): Promise<WebhookEndpointDto[]> {
    return (await this.webhooks.list(actor)).map(WebhookEndpointDto.from);
  }

  @Post('webhook-endpoints/:id/rotate-secret')
  @ApiOperation({
    operationId: 'rotateWebhookSecret',
    summary: 'A new signing secret; the old one keeps signing beside it for the overlap',
  })
  @ApiErrors(404)
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: WebhookEndpointWithSecretDto })
  async rotate(
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
    @Body() body: RotateWebhookSecretDto,
  ): Promise<WebhookEndpointWithSecretDto> {
    return withSecret(await this.webhooks.rotateSecret(actor, id, body.overlapHours));
  }

  @Delete('webhook-endpoints/:id')
  @ApiOperation({
    operationId: 'removeWebhookEndpoint',
    summary: 'Stop sending to an endpoint (its log stays)',
  })
  @ApiErrors(404)
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Removed' })
  async remove(@CurrentActor() actor: Actor, @UuidParam() id: string): Promise<void> {
    await this.webhooks.remove(actor, id);
  }

  @Get('webhook-deliveries')
  @ApiOperation({
    operationId: 'listWebhookDeliveries',
    summary: "Your organisation's delivery log, newest first",
  })
  @ApiOkResponse({ type: WebhookDeliveryPageDto })
  async deliveries(
    @CurrentActor() actor: Actor,
    @Query() query: WebhookDeliveryQueryDto,
  ): Promise<WebhookDeliveryPageDto> {
    const { deliveries, total } = await this.webhooks.deliveries(actor, query);
    return pageOf(deliveries.map(WebhookDeliveryDto.from), total, query);
  }

  @Post('webhook-deliveries/:id/replay')
  @ApiOperation({
    operationId: 'replayWebhookDelivery',
    summary: 'Send a delivered or failed message again (same id and body)',
  })
  @ApiErrors(404, { status: 409, description: 'Still pending, or its endpoint was removed' })
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({ type: WebhookDeliveryDto })
  async replay(@CurrentActor() actor: Actor, @UuidParam() id: string): Promise<WebhookDeliveryDto> {
    return WebhookDeliveryDto.from(await this.webhooks.replay(actor, id));
  }
}
