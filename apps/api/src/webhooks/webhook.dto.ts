import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { WEBHOOK_EVENT_TYPES, WebhookEventType } from '@registry/domain';
import type { WebhookDeliveryEntity, WebhookEndpointEntity } from '@registry/persistence';
import { WEBHOOK_DELIVERY_STATES, WebhookDeliveryState } from '@registry/persistence';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { PageQueryDto } from '../common/paging';

export class CreateWebhookEndpointDto {
  /** An https URL whose host resolves only to public addresses. @example https://hooks.example-pharma.com/registry */
  @IsString()
  @MaxLength(2048)
  url: string;

  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length)
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true })
  eventTypes: WebhookEventType[];
}

export class RotateWebhookSecretDto {
  /** How long the previous secret still signs beside the new one (hours; 0 ends it at once). */
  @ApiPropertyOptional({ minimum: 0, maximum: 168, default: 24 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(168)
  overlapHours: number = 24;
}

export class WebhookEndpointDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  url: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true })
  eventTypes: string[];
  @ApiProperty({ format: 'date-time' })
  createdAt: string;
  /** Until when the previous secret also signs (during a rotation). */
  @ApiProperty({ type: String, format: 'date-time' })
  previousSecretExpiresAt: string | null;
  /** Set once the endpoint is removed: nothing more is sent to it. */
  @ApiProperty({ type: String, format: 'date-time' })
  disabledAt: string | null;

  static from(this: void, endpoint: WebhookEndpointEntity): WebhookEndpointDto {
    return {
      id: endpoint.id,
      url: endpoint.url,
      eventTypes: endpoint.eventTypes,
      createdAt: endpoint.createdAt.toISOString(),
      previousSecretExpiresAt: endpoint.previousSecretExpiresAt?.toISOString() ?? null,
      disabledAt: endpoint.disabledAt?.toISOString() ?? null,
    };
  }
}

/** An endpoint with its signing secret: answered once, when it is created or rotated, and never again. */
export class WebhookEndpointWithSecretDto extends WebhookEndpointDto {
  /** "whsec_" and the base64 of 32 random bytes; verify deliveries with it (docs/WEBHOOKS.md). */
  secret: string;
}

export class WebhookDeliveryQueryDto extends PageQueryDto {
  @IsOptional()
  @IsUUID()
  endpointId?: string;

  @ApiPropertyOptional({ enum: WEBHOOK_DELIVERY_STATES })
  @IsOptional()
  @IsIn(WEBHOOK_DELIVERY_STATES)
  state?: WebhookDeliveryState;
}

export class WebhookDeliveryDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  @ApiProperty({ format: 'uuid' })
  endpointId: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES })
  eventType: string;
  /** The message id (the webhook-id header), the same on every attempt and replay. */
  @ApiProperty({ format: 'uuid' })
  eventId: string;
  @ApiProperty({ enum: WEBHOOK_DELIVERY_STATES })
  state: string;
  attempts: number;
  @ApiProperty({ type: String, format: 'date-time' })
  lastAttemptAt: string | null;
  @ApiProperty({ type: Number })
  lastResponseStatus: number | null;
  lastError: string | null;
  /** When a pending delivery is tried next. */
  @ApiProperty({ format: 'date-time' })
  nextAttemptAt: string;
  @ApiProperty({ type: String, format: 'date-time' })
  deliveredAt: string | null;
  @ApiProperty({ format: 'date-time' })
  createdAt: string;
  @ApiProperty({ type: String, format: 'uuid' })
  replayOf: string | null;
  /** The JSON body exactly as signed and sent. */
  body: string;

  static from(this: void, delivery: WebhookDeliveryEntity): WebhookDeliveryDto {
    return {
      id: delivery.id,
      endpointId: delivery.endpointId,
      eventType: delivery.eventType,
      eventId: delivery.eventId,
      state: delivery.state,
      attempts: delivery.attempts,
      lastAttemptAt: delivery.lastAttemptAt?.toISOString() ?? null,
      lastResponseStatus: delivery.lastResponseStatus,
      lastError: delivery.lastError,
      nextAttemptAt: delivery.nextAttemptAt.toISOString(),
      deliveredAt: delivery.deliveredAt?.toISOString() ?? null,
      createdAt: delivery.createdAt.toISOString(),
      replayOf: delivery.replayOf,
      body: delivery.body,
    };
  }
}

export class WebhookDeliveryPageDto {
  items: WebhookDeliveryDto[];
  page: number;
  pageSize: number;
  total: number;
}
