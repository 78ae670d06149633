import { Injectable } from '@nestjs/common';
import { AuditChainReport, verifyAuditChain } from '../audit/audit-chain';
import { AuditCheckpointReport, verifyAuditCheckpoints } from '../audit/audit-checkpoint';
import { AuditEventEntity } from '../entities/audit-event.entity';
import type { Tx } from './transactions';

/** A page of the trail, newest first; `visibleSiteIds` is the reader's scope ('all' for admins). */
export interface AuditTrailQuery {
  visibleSiteIds: string[] | 'all';
  entityType?: string;
  entityId?: string;
  actorUserId?: string;
  /** Inclusive lower bound of `occurred_at` (ISO 8601). */
  from?: string;
  /** Exclusive upper bound of `occurred_at` (ISO 8601). */
  to?: string;
  page: number;
  pageSize: number;
}

/**
 * The audit trail's read side: searching it, and checking that it was not rewritten (its hash chain, and the
 * signed checkpoints of its head). The write side is `AuditRepository`.
 */
@Injectable()
export class AuditTrailRepository {
  /** Recomputes the hash chain from the first row. */
  verifyChain(tx: Tx): Promise<AuditChainReport> {
    return verifyAuditChain(tx);
  }

  /** Checks every checkpoint's signature under `key` and that its head row still holds the signed hash. */
  verifyCheckpoints(tx: Tx, key: string): Promise<AuditCheckpointReport> {
    return verifyAuditCheckpoints(tx, key);
  }

  /** How many rows were written after the row `eventId` ('0': all of them). */
  async countAfter(tx: Tx, eventId: string): Promise<number> {
    const [{ rowsAfterNewest }] = await tx.query<{ rowsAfterNewest: number }[]>(
      `SELECT count(*)::int AS "rowsAfterNewest" FROM audit_event WHERE id > $1`,
      [eventId],
    );
    return rowsAfterNewest;
  }

  /** One page of the rows matching every given filter, and the total matching. */
  search(tx: Tx, query: AuditTrailQuery): Promise<[AuditEventEntity[], number]> {
    const builder = tx.getRepository(AuditEventEntity).createQueryBuilder('event');
    if (query.visibleSiteIds !== 'all')
      builder.andWhere('event.site_id = ANY(:siteIds::uuid[])', { siteIds: query.visibleSiteIds });
    if (query.entityType)
      builder.andWhere('event.entity_type = :entityType', { entityType: query.entityType });
    if (query.entityId) builder.andWhere('event.entity_id = :entityId', { entityId: query.entityId });
    if (query.actorUserId) builder.andWhere('event.actor_user_id = :actor', { actor: query.actorUserId });
    if (query.from) builder.andWhere('event.occurred_at >= :from', { from: query.from });
    if (query.to) builder.andWhere('event.occurred_at < :to', { to: query.to });
    return builder
      .orderBy('event.id', 'DESC')
      .skip((query.page - 1) * query.pageSize)
      .take(query.pageSize)
      .getManyAndCount();
  }
}
