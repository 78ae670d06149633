import type {
  DeliveryLogQuery,
  LockedDelivery,
  NewWebhookEndpoint,
  Tx,
  WebhookDeliveryEntity,
  WebhookEndpointEntity,
  WebhookEvent,
  WebhookRepository,
} from '@registry/persistence';
import { fakeId, Public } from './public';

/**
 * Endpoints and deliveries in memory, in the order PostgreSQL would give them; what the delivery service
 * does with them is under test, not the row locks (the e2e tests cover those).
 */
export class FakeWebhookRepository implements Public<WebhookRepository> {
  readonly endpoints: WebhookEndpointEntity[] = [];
  readonly deliveries: WebhookDeliveryEntity[] = [];
  /** Every event published, whether or not an endpoint took it. */
  readonly published: WebhookEvent[] = [];
  readonly organisationOfTrial = new Map<string, string>();
  private sequence = 0;

  insertEndpoint(_tx: Tx, endpoint: NewWebhookEndpoint): Promise<WebhookEndpointEntity> {
    const stored = {
      ...endpoint,
      id: fakeId(),
      previousSecretCiphertext: null,
      previousSecretExpiresAt: null,
      createdAt: new Date(),
      disabledAt: null,
    } as WebhookEndpointEntity;
    this.endpoints.push(stored);
    return Promise.resolve(stored);
  }

  endpointsOf(_tx: Tx, organisationId: string): Promise<WebhookEndpointEntity[]> {
    return Promise.resolve(this.endpoints.filter((e) => e.sponsorOrganisationId === organisationId));
  }

  endpointForUpdate(
    _tx: Tx,
    organisationId: string,
    endpointId: string,
  ): Promise<WebhookEndpointEntity | null> {
    return Promise.resolve(
      this.endpoints.find((e) => e.id === endpointId && e.sponsorOrganisationId === organisationId) ?? null,
    );
  }

  saveEndpoint(_tx: Tx, endpoint: WebhookEndpointEntity): Promise<WebhookEndpointEntity> {
    return Promise.resolve(endpoint);
  }

  publish(_tx: Tx, event: WebhookEvent): Promise<number> {
    this.published.push(event);
    const takers = this.endpoints.filter(
      (e) =>
        e.sponsorOrganisationId === event.organisationId &&
        !e.disabledAt &&
        e.eventTypes.includes(event.type),
    );
    const eventId = fakeId();
    for (const endpoint of takers)
      this.deliveries.push(
        this.delivery(
          endpoint.id,
          event.organisationId,
          event.type,
          eventId,
          JSON.stringify(event.data),
          event.occurredAt,
        ),
      );
    return Promise.resolve(takers.length);
  }

  trialOrganisations(_tx: Tx, trialIds: readonly string[]): Promise<Map<string, string>> {
    return Promise.resolve(
      new Map(trialIds.map((id) => [id, this.organisationOfTrial.get(id) ?? `organisation-of-${id}`])),
    );
  }

  lockOldestPending(_tx: Tx, organisationId: string): Promise<LockedDelivery | null> {
    const delivery = this.deliveries
      .filter((d) => d.sponsorOrganisationId === organisationId && d.state === 'pending')
      .sort((a, b) => Number(a.sequence) - Number(b.sequence))[0];
    if (!delivery) return Promise.resolve(null);
    const endpoint = this.endpoints.find((e) => e.id === delivery.endpointId)!;
    return Promise.resolve({
      delivery,
      url: endpoint.url,
      secretCiphertext: endpoint.secretCiphertext,
      previousSecretCiphertext: endpoint.previousSecretCiphertext,
      previousSecretExpiresAt: endpoint.previousSecretExpiresAt,
      endpointDisabled: endpoint.disabledAt !== null,
    });
  }

  recordDelivered(_tx: Tx, deliveryId: string, responseStatus: number, at: Date): Promise<void> {
    Object.assign(this.find(deliveryId), {
      state: 'delivered',
      attempts: this.find(deliveryId).attempts + 1,
      lastAttemptAt: at,
      lastResponseStatus: responseStatus,
      lastError: null,
      deliveredAt: at,
    });
    return Promise.resolve();
  }

  recordFailure(
    _tx: Tx,
    deliveryId: string,
    failure: { responseStatus: number | null; error: string; at: Date; next: Date | 'park' },
  ): Promise<void> {
    const delivery = this.find(deliveryId);
    Object.assign(delivery, {
      state: failure.next === 'park' ? 'failed' : 'pending',
      attempts: delivery.attempts + 1,
      lastAttemptAt: failure.at,
      lastResponseStatus: failure.responseStatus,
      lastError: failure.error,
      ...(failure.next === 'park' ? {} : { nextAttemptAt: failure.next }),
    });
    return Promise.resolve();
  }

  abandon(_tx: Tx, deliveryId: string, reason: string): Promise<void> {
    Object.assign(this.find(deliveryId), { state: 'failed', lastError: reason });
    return Promise.resolve();
  }

  organisationsDue(_tx: Tx, now: Date): Promise<string[]> {
    return Promise.resolve([
      ...new Set(
        this.deliveries
          .filter((d) => d.state === 'pending' && d.nextAttemptAt <= now)
          .map((d) => d.sponsorOrganisationId),
      ),
    ]);
  }

  log(
    _tx: Tx,
    organisationId: string,
    query: DeliveryLogQuery,
  ): Promise<{ deliveries: WebhookDeliveryEntity[]; total: number }> {
    const matching = this.deliveries
      .filter(
        (d) =>
          d.sponsorOrganisationId === organisationId &&
          (!query.endpointId || d.endpointId === query.endpointId) &&
          (!query.state || d.state === query.state),
      )
      .reverse();
    return Promise.resolve({
      deliveries: matching.slice(query.offset, query.offset + query.limit),
      total: matching.length,
    });
  }

  findDelivery(_tx: Tx, organisationId: string, deliveryId: string): Promise<WebhookDeliveryEntity | null> {
    return Promise.resolve(
      this.deliveries.find((d) => d.id === deliveryId && d.sponsorOrganisationId === organisationId) ?? null,
    );
  }

  insertReplay(_tx: Tx, original: WebhookDeliveryEntity, at: Date): Promise<WebhookDeliveryEntity> {
    const replay = {
      ...this.delivery(
        original.endpointId,
        original.sponsorOrganisationId,
        original.eventType,
        original.eventId,
        original.body,
        at,
      ),
      replayOf: original.id,
    };
    this.deliveries.push(replay);
    return Promise.resolve(replay);
  }

  /** A pending delivery as `publish` would write it (for tests that set deliveries up directly). */
  delivery(
    endpointId: string,
    organisationId: string,
    type: string,
    eventId: string,
    body: string,
    at: Date,
  ): WebhookDeliveryEntity {
    this.sequence += 1;
    return {
      id: fakeId(),
      sequence: String(this.sequence),
      endpointId,
      sponsorOrganisationId: organisationId,
      eventType: type,
      eventId,
      body,
      state: 'pending',
      attempts: 0,
      nextAttemptAt: at,
      lastAttemptAt: null,
      lastResponseStatus: null,
      lastError: null,
      deliveredAt: null,
      replayOf: null,
      createdAt: at,
    };
  }

  private find(id: string): WebhookDeliveryEntity {
    return this.deliveries.find((d) => d.id === id)!;
  }
}
