import { Injectable } from '@nestjs/common';
import { SponsorOrganisationEntity } from '../entities/sponsor-organisation.entity';
import { uniqueViolation } from '../errors';
import type { Tx } from './transactions';

/** Sponsor organisations: the companies and groups that run trials, each with a unique name. */
@Injectable()
export class SponsorOrganisationRepository {
  /** Every organisation, by name. */
  listAll(tx: Tx): Promise<SponsorOrganisationEntity[]> {
    return tx.getRepository(SponsorOrganisationEntity).find({ order: { name: 'ASC' } });
  }

  async findById(tx: Tx, organisationId: string): Promise<SponsorOrganisationEntity | null> {
    const [organisation] = await tx.getRepository(SponsorOrganisationEntity).findBy({ id: organisationId });
    return organisation ?? null;
  }

  /** Stores a new, active organisation; 'name_taken' when another organisation has the name. */
  async insert(tx: Tx, name: string): Promise<SponsorOrganisationEntity | 'name_taken'> {
    try {
      // A savepoint, so that a refused name leaves the caller's transaction usable.
      return await tx.transaction((inner) =>
        inner.save(inner.create(SponsorOrganisationEntity, { name, active: true })),
      );
    } catch (error) {
      if (uniqueViolation(error) === 'sponsor_organisation_name_key') return 'name_taken';
      throw error;
    }
  }
}
