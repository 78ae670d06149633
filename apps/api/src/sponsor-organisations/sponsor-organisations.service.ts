import { Injectable } from '@nestjs/common';
import { Role } from '@registry/domain';
import {
  AuditRepository,
  SponsorOrganisationEntity,
  SponsorOrganisationRepository,
  Transactions,
} from '@registry/persistence';
import { DomainError, ErrorKind, notFound } from '@registry/platform';
import type { Actor } from '../auth/actor';

@Injectable()
export class SponsorOrganisationsService {
  constructor(
    private readonly transactions: Transactions,
    private readonly organisations: SponsorOrganisationRepository,
    private readonly audit: AuditRepository,
  ) {}

  /** Admins see every organisation; a sponsor user only its own. */
  list(actor: Actor): Promise<SponsorOrganisationEntity[]> {
    return this.transactions.read(async (tx) => {
      if (actor.role === Role.Admin) return this.organisations.listAll(tx);
      if (!actor.sponsorOrganisationId) return [];
      const own = await this.organisations.findById(tx, actor.sponsorOrganisationId);
      return own ? [own] : [];
    });
  }

  async get(actor: Actor, id: string): Promise<SponsorOrganisationEntity> {
    const organisation = (await this.list(actor)).find((candidate) => candidate.id === id);
    if (!organisation) throw notFound('Sponsor organisation');
    return organisation;
  }

  create(name: string): Promise<SponsorOrganisationEntity> {
    return this.transactions.run(async (tx) => {
      const organisation = await this.organisations.insert(tx, name);
      if (organisation === 'name_taken') {
        throw new DomainError(
          ErrorKind.Conflict,
          'sponsor_organisation.name_taken',
          'That name is already used',
          [{ field: 'name', constraint: 'unique', message: 'name is already used by another organisation' }],
        );
      }
      await this.audit.record(tx, {
        action: 'sponsor_organisation.created',
        entityType: 'sponsor_organisation',
        entityId: organisation.id,
        changes: [{ field: 'name', old: null, new: name }],
      });
      return organisation;
    });
  }
}
