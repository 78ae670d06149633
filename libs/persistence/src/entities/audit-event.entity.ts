import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export interface AuditedChange {
  field: string;
  old: unknown;
  new: unknown;
}

/**
 * The append-only audit trail (21 CFR 11.10(e), ICH E6(R3)): who, when (UTC), what (old and new values), why.
 * The database assigns `id`, `occurred_at`, `prev_hash` and `hash` in a trigger that serialises writers,
 * and refuses UPDATE, DELETE and TRUNCATE; see the CreateIdentityAndAudit migration.
 */
@Entity({ name: 'audit_event' })
@Index('audit_event_entity_idx', ['entityType', 'entityId', 'id'])
@Index('audit_event_actor_idx', ['actorUserId', 'id'])
@Index('audit_event_site_idx', ['siteId', 'id'])
@Index('audit_event_occurred_idx', ['occurredAt'])
@Index('audit_event_prev_hash_key', ['prevHash'], { unique: true })
export class AuditEventEntity {
  /** Position in the hash chain; assigned by the trigger under its lock, so it is also commit order. */
  @PrimaryColumn({ type: 'bigint', primaryKeyConstraintName: 'audit_event_pkey' })
  id: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;

  /** Null for the system itself (bootstrap, scheduled jobs). */
  @Column({ name: 'actor_user_id', type: 'uuid', nullable: true })
  actorUserId: string | null;

  @Column({ name: 'actor_role', type: 'text' })
  actorRole: string;

  /** e.g. user.created, auth.login_failed, site.updated */
  @Column({ type: 'text' })
  action: string;

  @Column({ name: 'entity_type', type: 'text' })
  entityType: string;

  @Column({ name: 'entity_id', type: 'text', nullable: true })
  entityId: string | null;

  /** The site the record belongs to, so coordinators and monitors see their sites' trail only. */
  @Column({ name: 'site_id', type: 'uuid', nullable: true })
  siteId: string | null;

  @Column({ type: 'jsonb' })
  changes: AuditedChange[];

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @Column({ name: 'request_id', type: 'text', nullable: true })
  requestId: string | null;

  @Column({ name: 'prev_hash', type: 'text' })
  prevHash: string;

  @Column({ type: 'text' })
  hash: string;
}
