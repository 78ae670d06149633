import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A change that must reach the queue after its transaction commits (the transactional outbox).
 * Written in the same transaction as the change; the relay in the worker turns each row into the one job that handles its topic.
 */
@Entity({ name: 'outbox_event' })
@Check('outbox_event_topic_format', `"topic" ~ '^[a-z_]+(\\.[a-z_]+)+$'`)
@Index('outbox_event_unpublished_idx', ['id'], { where: 'published_at IS NULL' })
export class OutboxEventEntity {
  /** bigint: TypeORM returns it as a string so nothing is lost above 2^53. */
  @PrimaryGeneratedColumn({ type: 'bigint', primaryKeyConstraintName: 'outbox_event_pkey' })
  id: string;

  @Column({ type: 'text' })
  topic: string;

  @Column({ name: 'aggregate_type', type: 'text' })
  aggregateType: string;

  @Column({ name: 'aggregate_id', type: 'text' })
  aggregateId: string;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  payload: Record<string, unknown>;

  @Column({ name: 'occurred_at', type: 'timestamptz', default: () => 'now()' })
  occurredAt: Date;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt: Date | null;

  @Column({ name: 'publish_attempts', type: 'integer', default: 0 })
  publishAttempts: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  /** Set when no relay pass can ever turn the row into a job (see `jobForEvent`); the row is not retried. */
  @Column({ name: 'failed_at', type: 'timestamptz', nullable: true })
  failedAt: Date | null;
}
