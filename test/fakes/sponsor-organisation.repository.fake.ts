import type { SponsorOrganisationEntity, SponsorOrganisationRepository, Tx } from '@registry/persistence';
import { fakeId, Public } from './public';

export class FakeSponsorOrganisationRepository implements Public<SponsorOrganisationRepository> {
  readonly rows: SponsorOrganisationEntity[] = [];

  listAll(_tx: Tx): Promise<SponsorOrganisationEntity[]> {
    return Promise.resolve([...this.rows].sort((a, b) => a.name.localeCompare(b.name)));
  }

  findById(_tx: Tx, organisationId: string): Promise<SponsorOrganisationEntity | null> {
    return Promise.resolve(this.rows.find((organisation) => organisation.id === organisationId) ?? null);
  }

  insert(_tx: Tx, name: string): Promise<SponsorOrganisationEntity | 'name_taken'> {
    if (this.rows.some((organisation) => organisation.name === name)) return Promise.resolve('name_taken');
    return Promise.resolve(this.add(name));
  }

  add(name: string): SponsorOrganisationEntity {
    const organisation = {
      id: fakeId(),
      name,
      active: true,
      createdAt: new Date('2026-01-01T00:00:00Z'),
      updatedAt: new Date('2026-01-01T00:00:00Z'),
    };
    this.rows.push(organisation);
    return organisation;
  }
}
