import { requestContext } from '@registry/platform';
import type { EntityManager } from 'typeorm';
import type { AuditedChange } from '../entities/audit-event.entity';

/** Who did it: a user, or the system itself (bootstrap, scheduled jobs, workers). */
export interface AuditActor {
  userId: string | null;
  role: string;
}

export const SYSTEM_ACTOR: AuditActor = { userId: null, role: 'system' };

export interface AuditEntry {
  /** `<entity>.<verb>`, e.g. `user.created`, `auth.login_failed`, `site.updated`. */
  action: string;
  entityType: string;
  entityId?: string | null;
  /** The site the record belongs to, so that site-bound roles can read their sites' trail. */
  siteId?: string | null;
  changes?: AuditedChange[];
  reason?: string | null;
  /** Defaults to the authenticated caller of the current request, else the system. */
  actor?: AuditActor;
}

/** Values that must never reach the trail in clear (it is readable by monitors and admins). */
export const REDACTED = '[redacted]';

/**
 * Appends one row to the audit trail through the caller's transaction manager, so that the row commits or
 * rolls back with the change it records, and a failed audit write fails the change. The database assigns
 * the id, the UTC timestamp and the hash chain.
 */
export async function recordAudit(manager: EntityManager, entry: AuditEntry): Promise<void> {
  if (!manager.queryRunner?.isTransactionActive) {
    // Outside a transaction the change and its audit row could be split by a crash: refuse.
    throw new Error(`audit "${entry.action}" must be written inside the transaction of the change`);
  }
  const context = requestContext.current();
  const actor = entry.actor ?? (context?.actor ? context.actor : SYSTEM_ACTOR);
  await manager.query(
    `INSERT INTO audit_event (actor_user_id, actor_role, action, entity_type, entity_id, site_id, changes, reason, request_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9)`,
    [
      actor.userId,
      actor.role,
      entry.action,
      entry.entityType,
      entry.entityId ?? null,
      entry.siteId ?? null,
      JSON.stringify(entry.changes ?? []),
      entry.reason ?? null,
      context?.requestId ?? null,
    ],
  );
}

/** The fields whose values differ between two versions of a record, as audited changes. */
export function diffForAudit<T extends object>(
  before: T,
  after: Partial<T>,
  fields: (keyof T & string)[],
): AuditedChange[] {
  const changes: AuditedChange[] = [];
  for (const field of fields) {
    if (!(field in after)) continue;
    const oldValue = before[field];
    const newValue = after[field];
    if (JSON.stringify(oldValue) !== JSON.stringify(newValue)) {
      changes.push({ field, old: oldValue ?? null, new: newValue ?? null });
    }
  }
  return changes;
}
