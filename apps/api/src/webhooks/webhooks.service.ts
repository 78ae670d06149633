import { Inject, Injectable } from '@nestjs/common';
import { Environment } from '@registry/config';
import { generateWebhookSecret, WebhookEventType } from '@registry/domain';
import {
  AuditRepository,
  Transactions,
  WebhookDeliveryEntity,
  WebhookDeliveryState,
  WebhookEndpointEntity,
  WebhookRepository,
} from '@registry/persistence';
import { Clock, DomainError, ErrorKind, notFound, resolveEndpoint, sealSecret } from '@registry/platform';
import type { Actor } from '../auth/actor';

export interface EndpointWithSecret {
  endpoint: WebhookEndpointEntity;
  secret: string;
}

/**
 * A sponsor organisation's webhook endpoints and delivery log (its own only: another organisation's id is a
 * 404, as for trials). Registering, rotating, removing and replaying are audited; the secret is shown once.
 */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly transactions: Transactions,
    private readonly webhooks: WebhookRepository,
    private readonly audit: AuditRepository,
    private readonly clock: Clock,
    @Inject(Environment) private readonly config: Environment,
  ) {}

  async create(actor: Actor, url: string, eventTypes: WebhookEventType[]): Promise<EndpointWithSecret> {
    const organisationId = this.organisationOf(actor);
    const resolved = await resolveEndpoint(url, {
      allowedHosts: this.config.WEBHOOK_ALLOWED_HOSTS,
      httpForAllowedHosts: this.config.NODE_ENV !== 'production',
    });
    if (!resolved.allowed)
      throw new DomainError(ErrorKind.InvalidInput, 'webhook.url_refused', 'The endpoint URL is refused', [
        { field: 'url', constraint: 'webhookEndpoint', message: resolved.rule },
      ]);
    const secret = generateWebhookSecret();
    const endpoint = await this.transactions.run(async (tx) => {
      const created = await this.webhooks.insertEndpoint(tx, {
        sponsorOrganisationId: organisationId,
        url: resolved.url.toString(),
        eventTypes: [...new Set(eventTypes)].sort(),
        secretCiphertext: sealSecret(secret, this.config.WEBHOOK_SECRET_KEY),
        createdBy: actor.userId,
      });
      await this.audit.record(tx, {
        action: 'webhook_endpoint.created',
        entityType: 'webhook_endpoint',
        entityId: created.id,
        changes: [
          { field: 'url', old: null, new: created.url },
          { field: 'eventTypes', old: null, new: created.eventTypes },
        ],
      });
      return created;
    });
    return { endpoint, secret };
  }

  list(actor: Actor): Promise<WebhookEndpointEntity[]> {
    const organisationId = this.organisationOf(actor);
    return this.transactions.read((tx) => this.webhooks.endpointsOf(tx, organisationId));
  }

  /**
   * A new secret; the previous one keeps signing beside it for `overlapHours`, so receivers can move to the
   * new one without missing a delivery. A rotation during another's overlap ends the older secret at once.
   */
  rotateSecret(actor: Actor, endpointId: string, overlapHours: number): Promise<EndpointWithSecret> {
    const organisationId = this.organisationOf(actor);
    return this.transactions.run(async (tx) => {
      const endpoint = await this.webhooks.endpointForUpdate(tx, organisationId, endpointId);
      if (!endpoint || endpoint.disabledAt) throw notFound('Webhook endpoint');
      const secret = generateWebhookSecret();
      const now = this.clock.now();
      endpoint.previousSecretCiphertext = overlapHours > 0 ? endpoint.secretCiphertext : null;
      endpoint.previousSecretExpiresAt =
        overlapHours > 0 ? new Date(now.getTime() + overlapHours * 3600_000) : null;
      endpoint.secretCiphertext = sealSecret(secret, this.config.WEBHOOK_SECRET_KEY);
      const saved = await this.webhooks.saveEndpoint(tx, endpoint);
      await this.audit.record(tx, {
        action: 'webhook_endpoint.secret_rotated',
        entityType: 'webhook_endpoint',
        entityId: endpoint.id,
        changes: [
          {
            field: 'previousSecretExpiresAt',
            old: null,
            new: saved.previousSecretExpiresAt?.toISOString() ?? null,
          },
        ],
      });
      return { endpoint: saved, secret };
    });
  }

  /** Nothing more is sent to it; its pending deliveries are parked and its log stays. */
  remove(actor: Actor, endpointId: string): Promise<void> {
    const organisationId = this.organisationOf(actor);
    return this.transactions.run(async (tx) => {
      const endpoint = await this.webhooks.endpointForUpdate(tx, organisationId, endpointId);
      if (!endpoint || endpoint.disabledAt) throw notFound('Webhook endpoint');
      endpoint.disabledAt = this.clock.now();
      await this.webhooks.saveEndpoint(tx, endpoint);
      await this.audit.record(tx, {
        action: 'webhook_endpoint.removed',
        entityType: 'webhook_endpoint',
        entityId: endpoint.id,
        changes: [{ field: 'disabledAt', old: null, new: endpoint.disabledAt.toISOString() }],
      });
    });
  }

  deliveries(
    actor: Actor,
    query: { endpointId?: string; state?: WebhookDeliveryState; page: number; pageSize: number },
  ): Promise<{ deliveries: WebhookDeliveryEntity[]; total: number }> {
    const organisationId = this.organisationOf(actor);
    return this.transactions.read((tx) =>
      this.webhooks.log(tx, organisationId, {
        endpointId: query.endpointId,
        state: query.state,
        limit: query.pageSize,
        offset: (query.page - 1) * query.pageSize,
      }),
    );
  }

  /** Sends a delivery's message again (same id and body), after the organisation's pending deliveries. */
  replay(actor: Actor, deliveryId: string): Promise<WebhookDeliveryEntity> {
    const organisationId = this.organisationOf(actor);
    return this.transactions.run(async (tx) => {
      const original = await this.webhooks.findDelivery(tx, organisationId, deliveryId);
      if (!original) throw notFound('Webhook delivery');
      const endpoint = await this.webhooks.endpointForUpdate(tx, organisationId, original.endpointId);
      if (!endpoint || endpoint.disabledAt)
        throw new DomainError(ErrorKind.Conflict, 'webhook.endpoint_removed', 'Its endpoint was removed');
      if (original.state === 'pending')
        throw new DomainError(
          ErrorKind.Conflict,
          'webhook.delivery_pending',
          'The delivery is still being sent; replay it once it is delivered or failed',
        );
      const replay = await this.webhooks.insertReplay(tx, original, this.clock.now());
      await this.audit.record(tx, {
        action: 'webhook_delivery.replayed',
        entityType: 'webhook_delivery',
        entityId: replay.id,
        changes: [{ field: 'replayOf', old: null, new: original.id }],
      });
      return replay;
    });
  }

  private organisationOf(actor: Actor): string {
    if (!actor.sponsorOrganisationId)
      throw new DomainError(
        ErrorKind.Forbidden,
        'webhook.no_organisation',
        'You belong to no sponsor organisation',
      );
    return actor.sponsorOrganisationId;
  }
}
