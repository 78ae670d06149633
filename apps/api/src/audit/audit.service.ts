import { Inject, Injectable } from '@nestjs/common';
import { Environment } from '@registry/config';
import { AuditEventEntity, AuditTrailRepository, Transactions } from '@registry/persistence';
import { siteScopeOf } from '../auth/access-policy';
import type { Actor } from '../auth/actor';
import type { AuditQueryDto, AuditVerificationDto } from './audit.dto';

@Injectable()
export class AuditService {
  constructor(
    private readonly transactions: Transactions,
    private readonly trail: AuditTrailRepository,
    @Inject(Environment) private readonly config: Environment,
  ) {}

  /**
   * The hash chain from the first row, then every signed checkpoint against the rows it names. The chain
   * alone finds an edit by someone who cannot recompute it; the checkpoints find a rewrite by someone who can
   * (whoever controls the database), up to the newest checkpoint.
   */
  verify(): Promise<AuditVerificationDto> {
    return this.transactions.read(async (tx) => {
      const chain = await this.trail.verifyChain(tx);
      const checkpoints = await this.trail.verifyCheckpoints(tx, this.config.AUDIT_CHECKPOINT_KEY);
      const rowsAfterNewest = await this.trail.countAfter(tx, checkpoints.newest?.headEventId ?? '0');
      return {
        ...chain,
        valid: chain.valid && checkpoints.valid,
        checkpoints: { ...checkpoints, rowsAfterNewest },
      };
    });
  }

  /** Admins read the whole trail; coordinators and monitors only the rows of their sites. */
  async search(actor: Actor, query: AuditQueryDto): Promise<[AuditEventEntity[], number]> {
    const filter = siteScopeOf(actor);
    const [events, total] = await this.transactions.read((tx) =>
      this.trail.search(tx, {
        visibleSiteIds: filter.all ? 'all' : filter.siteIds,
        entityType: query.entityType,
        entityId: query.entityId,
        actorUserId: query.actor,
        from: query.from,
        to: query.to,
        page: query.page,
        pageSize: query.pageSize,
      }),
    );
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
