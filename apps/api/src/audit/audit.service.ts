import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AuditEventEntity } from '@registry/persistence';
import { DataSource } from 'typeorm';
import { Actor, siteFilterOf } from '../auth/actor';
import type { AuditQueryDto } from './audit.dto';

@Injectable()
export class AuditService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Admins read the whole trail; coordinators and monitors only the rows of their sites. */
  async search(actor: Actor, query: AuditQueryDto): Promise<[AuditEventEntity[], number]> {
    const builder = this.dataSource.getRepository(AuditEventEntity).createQueryBuilder('event');
    const filter = siteFilterOf(actor);
    if (!filter.all) builder.andWhere('event.site_id = ANY(:siteIds::uuid[])', { siteIds: filter.siteIds });
    if (query.entityType)
      builder.andWhere('event.entity_type = :entityType', { entityType: query.entityType });
    if (query.entityId) builder.andWhere('event.entity_id = :entityId', { entityId: query.entityId });
    if (query.actor) builder.andWhere('event.actor_user_id = :actor', { actor: query.actor });
    if (query.from) builder.andWhere('event.occurred_at >= :from', { from: query.from });
    if (query.to) builder.andWhere('event.occurred_at < :to', { to: query.to });
    return builder
      .orderBy('event.id', 'DESC')
      .skip((query.page - 1) * query.pageSize)
      .take(query.pageSize)
      .getManyAndCount();
  }
}
