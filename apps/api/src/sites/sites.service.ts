import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { diffForAudit, recordAudit, SiteEntity, uniqueViolation } from '@registry/persistence';
import { DomainError, ErrorKind, notFound } from '@registry/platform';
import { DataSource, In } from 'typeorm';
import { siteScopeOf } from '../auth/access-policy';
import type { Actor } from '../auth/actor';
import { Role } from '@registry/domain';
import type { CreateSiteDto, UpdateSiteDto } from './site.dto';

@Injectable()
export class SitesService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Admins and sponsors see every site (a sponsor picks participating sites); site-bound roles their own. */
  async list(actor: Actor): Promise<SiteEntity[]> {
    const repository = this.dataSource.getRepository(SiteEntity);
    if (actor.role === Role.Sponsor)
      return repository.find({ where: { active: true }, order: { code: 'ASC' } });
    const filter = siteScopeOf(actor);
    return repository.find({ where: filter.all ? {} : { id: In(filter.siteIds) }, order: { code: 'ASC' } });
  }

  /** A site the actor may not see is "not found", so that its existence is not revealed. */
  async get(actor: Actor, id: string): Promise<SiteEntity> {
    const site = (await this.list(actor)).find((candidate) => candidate.id === id);
    if (!site) throw notFound('Site');
    return site;
  }

  async create(input: CreateSiteDto): Promise<SiteEntity> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const site = await manager.save(manager.create(SiteEntity, { ...input, active: true }));
        await recordAudit(manager, {
          action: 'site.created',
          entityType: 'site',
          entityId: site.id,
          siteId: site.id,
          changes: diffForAudit({} as SiteEntity, site, ['code', 'name', 'country', 'timeZone', 'active']),
        });
        return site;
      });
    } catch (error) {
      if (uniqueViolation(error) === 'site_code_key') {
        throw new DomainError(
          ErrorKind.Conflict,
          'site.code_taken',
          `A site with code ${input.code} already exists`,
          [{ field: 'code', constraint: 'unique', message: 'code is already used by another site' }],
        );
      }
      throw error;
    }
  }

  async update(id: string, input: UpdateSiteDto): Promise<SiteEntity> {
    return this.dataSource.transaction(async (manager) => {
      const site = await manager.findOne(SiteEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!site) throw notFound('Site');
      const { reason, ...changes } = input;
      const audited = diffForAudit(site, changes, ['name', 'timeZone', 'active']);
      if (audited.length === 0) return site;
      Object.assign(site, changes);
      await manager.save(site);
      await recordAudit(manager, {
        action: 'site.updated',
        entityType: 'site',
        entityId: site.id,
        siteId: site.id,
        changes: audited,
        reason,
      });
      return site;
    });
  }
}
