import type { EventPayloadByTopic, EventTopic } from '@registry/jobs';
import type { EntityManager } from 'typeorm';

/**
 * Writes an event to the outbox inside the caller's transaction: it reaches the queue only if the change
 * commits (the worker's relay publishes it), and it is not lost if Redis is down at that moment.
 */
export async function publishEvent<T extends EventTopic>(
  manager: EntityManager,
  topic: T,
  aggregateId: string,
  payload: EventPayloadByTopic[T],
): Promise<void> {
  if (!manager.queryRunner?.isTransactionActive) {
    throw new Error(`event "${topic}" must be written inside the transaction of the change`);
  }
  await manager.query(
    `INSERT INTO outbox_event (topic, aggregate_type, aggregate_id, payload) VALUES ($1, $2, $3, $4::jsonb)`,
    [topic, topic.split('.')[0], aggregateId, JSON.stringify(payload)],
  );
}
