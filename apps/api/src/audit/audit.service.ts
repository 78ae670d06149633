import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Environment } from '@registry/config';
import { AuditEventEntity, verifyAuditChain, verifyAuditCheckpoints } from '@registry/persistence';
import { DataSource } from 'typeorm';
import { siteScopeOf } from '../auth/access-policy';
import type { Actor } from '../auth/actor';
import type { AuditQueryDto, AuditVerificationDto } from './audit.dto';

@Injectable()
export class AuditService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(Environment) private readonly config: Environment,
  ) {}

  /**
   * The hash chain from the first row, then every signed checkpoint against the rows it names. The chain
   * alone finds an edit by someone who cannot recompute it; the checkpoints find a rewrite by someone who can
   * (whoever controls the database), up to the newest checkpoint.
   */
  async verify(): Promise<AuditVerificationDto> {
    const chain = await verifyAuditChain(this.dataSource);
    const checkpoints = await verifyAuditCheckpoints(this.dataSource, this.config.AUDIT_CHECKPOINT_KEY);
    const [{ rowsAfterNewest }] = await this.dataSource.query<{ rowsAfterNewest: number }[]>(
      `SELECT count(*)::int AS "rowsAfterNewest" FROM audit_event WHERE id > $1`,
      [checkpoints.newest?.headEventId ?? '0'],
    );
    return {
      ...chain,
      valid: chain.valid && checkpoints.valid,
      checkpoints: { ...checkpoints, rowsAfterNewest },
    };
  }

  /** Admins read the whole trail; coordinators and monitors only the rows of their sites. */
  async search(actor: Actor, query: AuditQueryDto): Promise<[AuditEventEntity[], number]> {
    const builder = this.dataSource.getRepository(AuditEventEntity).createQueryBuilder('event');
    const filter = siteScopeOf(actor);
    if (!filter.all) builder.andWhere('event.site_id = ANY(:siteIds::uuid[])', { siteIds: filter.siteIds });
    if (query.entityType)
      builder.andWhere('event.entity_type = :entityType', { entityType: query.entityType });
    if (query.entityId) builder.andWhere('event.entity_id = :entityId', { entityId: query.entityId });
    if (query.actor) builder.andWhere('event.actor_user_id = :actor', { actor: query.actor });
    if (query.from) builder.andWhere('event.occurred_at >= :from', { from: query.from });
    if (query.to) builder.andWhere('event.occurred_at < :to', { to: query.to });
    const [events, total] = await builder
      .orderBy('event.id', 'DESC')
      .skip((query.page - 1) * query.pageSize)
      .take(query.pageSize)
      .getManyAndCount();
    if (!filter.all) for (const event of events) event.changes = withoutOtherSitesRecords(event.changes);
    return [events, total];
  }
}

/**
 * Enrolments audited before 2026-12 named the matching participants of other sites by registry id
 * (`possibleDuplicateOf`); a site's reader may learn only the other sites' codes, as the 409 tells them. The
 * rows stay as written (the trail is append-only and hash-chained); only what a site's reader is shown changes.
 */
function withoutOtherSitesRecords(changes: AuditEventEntity['changes']): AuditEventEntity['changes'] {
  return changes.map((change) =>
    change.field === 'possibleDuplicateOf'
      ? { ...change, new: '[withheld: registry ids of other sites]' }
      : change,
  );
}
