import { Injectable } from '@nestjs/common';
import { Role } from '@registry/domain';
import {
  AuditRepository,
  diffForAudit,
  SiteEntity,
  SiteRepository,
  Transactions,
} from '@registry/persistence';
import { DomainError, ErrorKind, notFound } from '@registry/platform';
import { siteScopeOf } from '../auth/access-policy';
import type { Actor } from '../auth/actor';
import type { CreateSiteDto, UpdateSiteDto } from './site.dto';

@Injectable()
export class SitesService {
  constructor(
    private readonly transactions: Transactions,
    private readonly sites: SiteRepository,
    private readonly audit: AuditRepository,
  ) {}

  /** Admins and sponsors see every site (a sponsor picks participating sites); site-bound roles their own. */
  list(actor: Actor): Promise<SiteEntity[]> {
    return this.transactions.read((tx) => {
      if (actor.role === Role.Sponsor) return this.sites.listActive(tx);
      const filter = siteScopeOf(actor);
      return filter.all ? this.sites.listAll(tx) : this.sites.listByIds(tx, filter.siteIds);
    });
  }

  /** A site the actor may not see is "not found", so that its existence is not revealed. */
  async get(actor: Actor, id: string): Promise<SiteEntity> {
    const site = (await this.list(actor)).find((candidate) => candidate.id === id);
    if (!site) throw notFound('Site');
    return site;
  }

  create(input: CreateSiteDto): Promise<SiteEntity> {
    return this.transactions.run(async (tx) => {
      const site = await this.sites.insert(tx, input);
      if (site === 'code_taken') {
        throw new DomainError(
          ErrorKind.Conflict,
          'site.code_taken',
          `A site with code ${input.code} already exists`,
          [{ field: 'code', constraint: 'unique', message: 'code is already used by another site' }],
        );
      }
      await this.audit.record(tx, {
        action: 'site.created',
        entityType: 'site',
        entityId: site.id,
        siteId: site.id,
        changes: diffForAudit({} as SiteEntity, site, ['code', 'name', 'country', 'timeZone', 'active']),
      });
      return site;
    });
  }

  update(id: string, input: UpdateSiteDto): Promise<SiteEntity> {
    return this.transactions.run(async (tx) => {
      const site = await this.sites.findForUpdate(tx, id);
      if (!site) throw notFound('Site');
      const { reason, ...changes } = input;
      const audited = diffForAudit(site, changes, ['name', 'timeZone', 'active']);
      if (audited.length === 0) return site;
      Object.assign(site, changes);
      await this.sites.save(tx, site);
      await this.audit.record(tx, {
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
