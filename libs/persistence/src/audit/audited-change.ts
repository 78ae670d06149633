import { EventPayloadByTopic, EventTopic } from '@registry/jobs';
import type { EntityManager } from 'typeorm';
import { publishEvent } from '../outbox/publish-event';
import { AuditEntry, recordAudit } from './audit-writer';

/** An outbox event, as the change that causes it announces it. */
export interface ChangeEvent<T extends EventTopic = EventTopic> {
  topic: T;
  aggregateId: string;
  payload: EventPayloadByTopic[T];
}

/** The event of any change to a participant's clinical data, consent or status: they are screened again. */
export const participantChanged = (
  participantId: string,
  cause: string,
): ChangeEvent<EventTopic.ParticipantChanged> => ({
  topic: EventTopic.ParticipantChanged,
  aggregateId: participantId,
  payload: { participantId, cause },
});

/**
 * Records a change that others react to: its audit row and its outbox event, both through the caller's
 * transaction manager, so the change, its trail and its consequences commit or roll back together. Both
 * refuse to be written outside a transaction.
 */
export async function recordAuditedChange<T extends EventTopic>(
  manager: EntityManager,
  audit: AuditEntry,
  event: ChangeEvent<T>,
): Promise<void> {
  await recordAudit(manager, audit);
  await publishEvent(manager, event.topic, event.aggregateId, event.payload);
}
