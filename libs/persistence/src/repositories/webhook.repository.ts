import { Injectable } from '@nestjs/common';
import { EventTopic } from '@registry/jobs';
import { randomUUID } from 'node:crypto';
import {
  WebhookDeliveryEntity,
  WebhookDeliveryState,
  WebhookEndpointEntity,
} from '../entities/webhook.entity';
import { publishEvent } from '../outbox/publish-event';
import type { Tx } from './transactions';

export interface NewWebhookEndpoint {
  sponsorOrganisationId: string;
  url: string;
  eventTypes: string[];
  secretCiphertext: string;
  createdBy: string;
}

/** An event for an organisation's endpoints: `data` follows the disclosure rules of what it reports. */
export interface WebhookEvent {
  organisationId: string;
  type: string;
  data: Record<string, unknown>;
  occurredAt: Date;
}

/** The oldest pending delivery of an organisation, locked, with what sending it needs. */
export interface LockedDelivery {
  delivery: WebhookDeliveryEntity;
  url: string;
  secretCiphertext: string;
  previousSecretCiphertext: string | null;
  previousSecretExpiresAt: Date | null;
  endpointDisabled: boolean;
}

export interface DeliveryLogQuery {
  endpointId?: string;
  state?: WebhookDeliveryState;
  limit: number;
  offset: number;
}

/** Webhook endpoints and their deliveries (docs/WEBHOOKS.md). */
@Injectable()
export class WebhookRepository {
  insertEndpoint(tx: Tx, endpoint: NewWebhookEndpoint): Promise<WebhookEndpointEntity> {
    return tx.save(
      tx.create(WebhookEndpointEntity, {
        ...endpoint,
        previousSecretCiphertext: null,
        previousSecretExpiresAt: null,
        disabledAt: null,
      }),
    );
  }

  endpointsOf(tx: Tx, organisationId: string): Promise<WebhookEndpointEntity[]> {
    return tx.find(WebhookEndpointEntity, {
      where: { sponsorOrganisationId: organisationId },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  /** One endpoint of the organisation, locked until the transaction ends; null for another's or none. */
  endpointForUpdate(
    tx: Tx,
    organisationId: string,
    endpointId: string,
  ): Promise<WebhookEndpointEntity | null> {
    return tx.findOne(WebhookEndpointEntity, {
      where: { id: endpointId, sponsorOrganisationId: organisationId },
      lock: { mode: 'pessimistic_write' },
    });
  }

  saveEndpoint(tx: Tx, endpoint: WebhookEndpointEntity): Promise<WebhookEndpointEntity> {
    return tx.save(endpoint);
  }

  /**
   * Writes one delivery of `event` per enabled endpoint of the organisation that takes its type, in the
   * caller's transaction, and (when there is any) the outbox event that starts sending them after commit.
   * Returns how many deliveries were created.
   */
  async publish(tx: Tx, event: WebhookEvent): Promise<number> {
    const eventId = randomUUID();
    const body = JSON.stringify({
      id: eventId,
      type: event.type,
      occurredAt: event.occurredAt.toISOString(),
      data: event.data,
    });
    const rows = await tx.query<{ id: string }[]>(
      `INSERT INTO webhook_delivery (endpoint_id, sponsor_organisation_id, event_type, event_id, body, state, next_attempt_at, created_at)
       SELECT e.id, e.sponsor_organisation_id, $2, $3, $4, 'pending', $5, $5
         FROM webhook_endpoint e
        WHERE e.sponsor_organisation_id = $1 AND e.disabled_at IS NULL AND $2 = ANY(e.event_types)
        ORDER BY e.created_at, e.id
       ON CONFLICT (endpoint_id, event_id) WHERE replay_of IS NULL DO NOTHING
       RETURNING id`,
      [event.organisationId, event.type, eventId, body, event.occurredAt],
    );
    if (rows.length > 0)
      await publishEvent(tx, EventTopic.WebhookDeliveriesCreated, event.organisationId, {
        organisationId: event.organisationId,
      });
    return rows.length;
  }

  /** The organisations of these trials, for events about them. */
  async trialOrganisations(tx: Tx, trialIds: readonly string[]): Promise<Map<string, string>> {
    const rows = await tx.query<{ id: string; sponsor_organisation_id: string }[]>(
      `SELECT id, sponsor_organisation_id FROM trial WHERE id = ANY($1::uuid[])`,
      [trialIds],
    );
    return new Map(rows.map((row) => [row.id, row.sponsor_organisation_id]));
  }

  /**
   * The organisation's oldest pending delivery, row-locked until the transaction ends (another job of the
   * same organisation waits here, which keeps one organisation's deliveries in order and one at a time).
   */
  async lockOldestPending(tx: Tx, organisationId: string): Promise<LockedDelivery | null> {
    const delivery = await tx
      .getRepository(WebhookDeliveryEntity)
      .createQueryBuilder('d')
      .where('d.sponsor_organisation_id = :organisationId', { organisationId })
      .andWhere(`d.state = 'pending'`)
      .orderBy('d.sequence', 'ASC')
      .limit(1)
      .setLock('pessimistic_write')
      .getOne();
    if (!delivery) return null;
    const endpoint = await tx.findOneByOrFail(WebhookEndpointEntity, { id: delivery.endpointId });
    return {
      delivery,
      url: endpoint.url,
      secretCiphertext: endpoint.secretCiphertext,
      previousSecretCiphertext: endpoint.previousSecretCiphertext,
      previousSecretExpiresAt: endpoint.previousSecretExpiresAt,
      endpointDisabled: endpoint.disabledAt !== null,
    };
  }

  async recordDelivered(tx: Tx, deliveryId: string, responseStatus: number, at: Date): Promise<void> {
    await tx.update(WebhookDeliveryEntity, deliveryId, {
      state: 'delivered',
      attempts: () => 'attempts + 1',
      lastAttemptAt: at,
      lastResponseStatus: responseStatus,
      lastError: null,
      deliveredAt: at,
    });
  }

  /** A failed attempt: tried again at `next`, or parked as failed. */
  async recordFailure(
    tx: Tx,
    deliveryId: string,
    failure: { responseStatus: number | null; error: string; at: Date; next: Date | 'park' },
  ): Promise<void> {
    await tx.update(WebhookDeliveryEntity, deliveryId, {
      state: failure.next === 'park' ? 'failed' : 'pending',
      attempts: () => 'attempts + 1',
      lastAttemptAt: failure.at,
      lastResponseStatus: failure.responseStatus,
      lastError: failure.error.slice(0, 500),
      ...(failure.next === 'park' ? {} : { nextAttemptAt: failure.next }),
    });
  }

  /** Parked without an attempt: its endpoint was removed. */
  async abandon(tx: Tx, deliveryId: string, reason: string): Promise<void> {
    await tx.update(WebhookDeliveryEntity, deliveryId, { state: 'failed', lastError: reason });
  }

  /** Organisations with a pending delivery due by `now`. */
  async organisationsDue(tx: Tx, now: Date): Promise<string[]> {
    const rows = await tx.query<{ id: string }[]>(
      `SELECT DISTINCT sponsor_organisation_id AS id FROM webhook_delivery
        WHERE state = 'pending' AND next_attempt_at <= $1`,
      [now],
    );
    return rows.map((row) => row.id);
  }

  /** The organisation's deliveries, newest first, and how many match. */
  async log(
    tx: Tx,
    organisationId: string,
    query: DeliveryLogQuery,
  ): Promise<{ deliveries: WebhookDeliveryEntity[]; total: number }> {
    const [deliveries, total] = await tx.findAndCount(WebhookDeliveryEntity, {
      where: {
        sponsorOrganisationId: organisationId,
        ...(query.endpointId ? { endpointId: query.endpointId } : {}),
        ...(query.state ? { state: query.state } : {}),
      },
      order: { createdAt: 'DESC', sequence: 'DESC' },
      take: query.limit,
      skip: query.offset,
    });
    return { deliveries, total };
  }

  findDelivery(tx: Tx, organisationId: string, deliveryId: string): Promise<WebhookDeliveryEntity | null> {
    return tx.findOneBy(WebhookDeliveryEntity, { id: deliveryId, sponsorOrganisationId: organisationId });
  }

  /** A new delivery of the same message (event id and body), sent after the organisation's pending ones. */
  async insertReplay(tx: Tx, original: WebhookDeliveryEntity, at: Date): Promise<WebhookDeliveryEntity> {
    const replay = await tx.save(
      tx.create(WebhookDeliveryEntity, {
        endpointId: original.endpointId,
        sponsorOrganisationId: original.sponsorOrganisationId,
        eventType: original.eventType,
        eventId: original.eventId,
        body: original.body,
        state: 'pending',
        attempts: 0,
        nextAttemptAt: at,
        lastAttemptAt: null,
        lastResponseStatus: null,
        lastError: null,
        deliveredAt: null,
        replayOf: original.id,
        createdAt: at,
      }),
    );
    await publishEvent(tx, EventTopic.WebhookDeliveriesCreated, original.sponsorOrganisationId, {
      organisationId: original.sponsorOrganisationId,
    });
    return replay;
  }
}
