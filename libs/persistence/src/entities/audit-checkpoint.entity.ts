import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A signed anchor of the audit chain: the newest row's id and hash at one moment, with an HMAC under
 * AUDIT_CHECKPOINT_KEY, which the database does not hold. Whoever controls the database can recompute the
 * whole chain after an edit, but not a checkpoint's signature: `/audit/verify` checks that every checkpoint's
 * head row still exists with the signed hash. Append-only like the trail (AppRoleAndAuditCheckpoints migration).
 */
@Entity({ name: 'audit_checkpoint' })
@Index('audit_checkpoint_head_event_id_key', ['headEventId'], { unique: true })
export class AuditCheckpointEntity {
  @PrimaryGeneratedColumn({ type: 'bigint', primaryKeyConstraintName: 'audit_checkpoint_pkey' })
  id: string;

  /** The audit_event row that was the head of the chain; one checkpoint per head. */
  @Column({ name: 'head_event_id', type: 'bigint' })
  headEventId: string;

  @Column({ name: 'head_hash', type: 'text' })
  headHash: string;

  /** Set by the writer (not the database) because it is signed. */
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** hex HMAC-SHA256 of the head id, head hash and creation time; see audit-checkpoint.ts. */
  @Column({ type: 'text' })
  signature: string;
}
