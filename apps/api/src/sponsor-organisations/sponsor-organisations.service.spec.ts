import {
  admin,
  FakeAuditRepository,
  FakeSponsorOrganisationRepository,
  FakeTransactions,
  refusal,
  sponsorOf,
} from '../../../../test/fakes';
import { SponsorOrganisationsService } from './sponsor-organisations.service';

function setUp() {
  const organisations = new FakeSponsorOrganisationRepository();
  const audit = new FakeAuditRepository();
  const service = new SponsorOrganisationsService(new FakeTransactions(), organisations, audit);
  const neuro = organisations.add('Neurotherapeutics Inc');
  const academic = organisations.add('Alzheimer Trials Consortium');
  return { service, organisations, audit, neuro, academic };
}

describe('SponsorOrganisationsService', () => {
  it('shows an admin every organisation, by name', async () => {
    const { service } = setUp();
    expect((await service.list(admin())).map((o) => o.name)).toEqual([
      'Alzheimer Trials Consortium',
      'Neurotherapeutics Inc',
    ]);
  });

  it('shows a sponsor user its own organisation only, and answers not found for another', async () => {
    const { service, neuro, academic } = setUp();
    expect(await service.list(sponsorOf(neuro.id))).toEqual([neuro]);
    await expect(service.get(sponsorOf(neuro.id), neuro.id)).resolves.toEqual(neuro);
    expect((await refusal(service.get(sponsorOf(neuro.id), academic.id))).code).toBe('not_found');
  });

  it('shows nothing to a user of no organisation', async () => {
    const { service } = setUp();
    expect(await service.list({ ...sponsorOf('x'), sponsorOrganisationId: null })).toEqual([]);
  });

  it('creates an active organisation and audits its name', async () => {
    const { service, organisations, audit } = setUp();
    const created = await service.create('Memory Research Ltd');
    expect(organisations.rows).toContainEqual(
      expect.objectContaining({ name: 'Memory Research Ltd', active: true }),
    );
    expect(audit.only('sponsor_organisation.created')).toMatchObject({
      entityType: 'sponsor_organisation',
      entityId: created.id,
      changes: [{ field: 'name', old: null, new: 'Memory Research Ltd' }],
    });
  });

  it('refuses a name another organisation has with 409 naming name, auditing nothing', async () => {
    const { service, organisations, audit } = setUp();
    const error = await refusal(service.create('Neurotherapeutics Inc'));
    expect(error.code).toBe('sponsor_organisation.name_taken');
    expect(error.details).toEqual([expect.objectContaining({ field: 'name', constraint: 'unique' })]);
    expect(organisations.rows).toHaveLength(2);
    expect(audit.entries).toEqual([]);
  });
});
