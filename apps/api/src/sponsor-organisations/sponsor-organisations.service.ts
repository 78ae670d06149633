import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Role } from '@registry/domain';
import { recordAudit, SponsorOrganisationEntity, uniqueViolation } from '@registry/persistence';
import { DomainError, ErrorKind, notFound } from '@registry/platform';
import { DataSource } from 'typeorm';
import type { Actor } from '../auth/actor';

@Injectable()
export class SponsorOrganisationsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Admins see every organisation; a sponsor user only its own. */
  list(actor: Actor): Promise<SponsorOrganisationEntity[]> {
    const repository = this.dataSource.getRepository(SponsorOrganisationEntity);
    if (actor.role === Role.Admin) return repository.find({ order: { name: 'ASC' } });
    return actor.sponsorOrganisationId
      ? repository.findBy({ id: actor.sponsorOrganisationId })
      : Promise.resolve([]);
  }

  async get(actor: Actor, id: string): Promise<SponsorOrganisationEntity> {
    const organisation = (await this.list(actor)).find((candidate) => candidate.id === id);
    if (!organisation) throw notFound('Sponsor organisation');
    return organisation;
  }

  async create(name: string): Promise<SponsorOrganisationEntity> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const organisation = await manager.save(
          manager.create(SponsorOrganisationEntity, { name, active: true }),
        );
        await recordAudit(manager, {
          action: 'sponsor_organisation.created',
          entityType: 'sponsor_organisation',
          entityId: organisation.id,
          changes: [{ field: 'name', old: null, new: name }],
        });
        return organisation;
      });
    } catch (error) {
      if (uniqueViolation(error) === 'sponsor_organisation_name_key') {
        throw new DomainError(
          ErrorKind.Conflict,
          'sponsor_organisation.name_taken',
          'That name is already used',
          [{ field: 'name', constraint: 'unique', message: 'name is already used by another organisation' }],
        );
      }
      throw error;
    }
  }
}
