import type {
  AuditChainReport,
  AuditCheckpointReport,
  AuditEventEntity,
  AuditTrailQuery,
  AuditTrailRepository,
  Tx,
} from '@registry/persistence';
import type { Public } from './public';

/** A trail held in memory; the test says what verifying its chain and checkpoints finds. */
export class FakeAuditTrailRepository implements Public<AuditTrailRepository> {
  readonly events: AuditEventEntity[] = [];
  chain: AuditChainReport = { valid: true, checked: 0 };
  checkpoints: AuditCheckpointReport = { valid: true, checked: 0 };
  /** The keys checkpoints were verified with, in order. */
  readonly checkpointKeys: string[] = [];

  verifyChain(_tx: Tx): Promise<AuditChainReport> {
    return Promise.resolve(this.chain);
  }

  verifyCheckpoints(_tx: Tx, key: string): Promise<AuditCheckpointReport> {
    this.checkpointKeys.push(key);
    return Promise.resolve(this.checkpoints);
  }

  countAfter(_tx: Tx, eventId: string): Promise<number> {
    return Promise.resolve(this.events.filter((event) => BigInt(event.id) > BigInt(eventId)).length);
  }

  search(_tx: Tx, query: AuditTrailQuery): Promise<[AuditEventEntity[], number]> {
    const matching = this.events
      .filter(
        (e) =>
          query.visibleSiteIds === 'all' || (e.siteId !== null && query.visibleSiteIds.includes(e.siteId)),
      )
      .filter((e) => !query.entityType || e.entityType === query.entityType)
      .filter((e) => !query.entityId || e.entityId === query.entityId)
      .filter((e) => !query.actorUserId || e.actorUserId === query.actorUserId)
      .filter((e) => !query.from || e.occurredAt >= new Date(query.from))
      .filter((e) => !query.to || e.occurredAt < new Date(query.to))
      .sort((a, b) => Number(BigInt(b.id) - BigInt(a.id)));
    const start = (query.page - 1) * query.pageSize;
    // Fresh objects, as each query returns: a service that edits a result does not edit the trail.
    return Promise.resolve([
      matching.slice(start, start + query.pageSize).map((e) => ({ ...e, changes: [...e.changes] })),
      matching.length,
    ]);
  }

  /** Appends a row with the next id and plausible defaults for what the test does not care about. */
  add(fields: Partial<AuditEventEntity> & { action: string }): AuditEventEntity {
    const id = String(this.events.length + 1);
    const event: AuditEventEntity = {
      id,
      occurredAt: new Date(Date.UTC(2026, 0, 1, 0, this.events.length)),
      actorUserId: null,
      actorRole: 'system',
      entityType: fields.action.split('.')[0],
      entityId: null,
      siteId: null,
      changes: [],
      reason: null,
      requestId: null,
      prevHash: '0'.repeat(64),
      hash: id.padStart(64, '0'),
      ...fields,
    };
    this.events.push(event);
    return event;
  }
}
