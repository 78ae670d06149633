import { addDays } from '@registry/domain';
import { createConsentDocument, personInput, todayIn } from '../support/cohort-fixture';
import { createTestSystem, startApi, TestApi, TestSystem } from '../support/harness';
import {
  createIdentityFixture,
  identityEnv,
  IdentityFixture,
  login,
  Login,
  PASSWORD,
} from '../support/identity-fixture';

/**
 * Dates a coordinator works with are days on the site's calendar, not in UTC. The two sites sit at the
 * ends of the clock (UTC+14 and UTC-11): whenever this runs, at least one of them is on a different day
 * from UTC, so a service that takes "today" in UTC fails here at any hour.
 */
const SITES = [
  { code: 'KIR', name: 'Kiritimati', country: 'KI', timeZone: 'Pacific/Kiritimati' },
  { code: 'PPG', name: 'Pago Pago', country: 'AS', timeZone: 'Pacific/Pago_Pago' },
];

describe('days at the site', () => {
  let system: TestSystem;
  let api: TestApi;
  let f: IdentityFixture;
  let coordinator: Login;
  let documentId: string;
  const siteIds: Record<string, string> = {};

  beforeAll(async () => {
    system = await createTestSystem(identityEnv);
    api = await startApi(system.config);
    f = await createIdentityFixture(api);
    documentId = await createConsentDocument(api, f.admin);
    for (const site of SITES) {
      const res = await api.http().post('/api/v1/sites').set(f.admin.auth).send(site).expect(201);
      siteIds[site.code] = res.body.id;
    }
    await api
      .http()
      .post('/api/v1/users')
      .set(f.admin.auth)
      .send({
        email: 'coord.pacific@registry.test',
        role: 'coordinator',
        displayName: 'Pacific coordinator',
        password: PASSWORD,
        siteIds: Object.values(siteIds),
      })
      .expect(201);
    coordinator = await login(api, 'coord.pacific@registry.test');
  });

  afterAll(async () => {
    await api?.close();
    await system?.shutdown();
  });

  it.each(SITES)('enrols, consents and withdraws on the calendar day at $name', async (site) => {
    const today = todayIn(site.timeZone);
    const enrolled = await api
      .http()
      .post('/api/v1/participants')
      .set(coordinator.auth)
      .send(personInput(siteIds[site.code], { identity: { familyName: site.name, givenName: 'Ana' } }))
      .expect(201);
    expect(enrolled.body.statusEffectiveDate).toBe(today);
    const path = `/api/v1/participants/${enrolled.body.id}/consents`;

    const ahead = await api
      .http()
      .post(path)
      .set(coordinator.auth)
      .send({ consentDocumentId: documentId, signedOn: addDays(today, 1), scopes: ['registry_follow_up'] })
      .expect(400);
    expect(ahead.body.details[0]).toMatchObject({ field: 'signedOn', constraint: 'notInFuture' });
    const consent = await api
      .http()
      .post(path)
      .set(coordinator.auth)
      .send({
        consentDocumentId: documentId,
        signedOn: today,
        scopes: ['registry_follow_up', 'recontact_for_trials'],
      })
      .expect(201);

    const early = await api
      .http()
      .post(`${path}/${consent.body.id}/withdrawals`)
      .set(coordinator.auth)
      .send({
        withdrawnOn: addDays(today, 1),
        scopes: ['recontact_for_trials'],
        reason: 'Asked not to be called',
      })
      .expect(400);
    expect(early.body.details[0]).toMatchObject({ field: 'withdrawnOn', constraint: 'notInFuture' });
    await api
      .http()
      .post(`${path}/${consent.body.id}/withdrawals`)
      .set(coordinator.auth)
      .send({ withdrawnOn: today, scopes: ['recontact_for_trials'], reason: 'Asked not to be called' })
      .expect(201);
    // In force the day it is dated at the site, whatever the day in UTC.
    const status = await api.http().get(path).set(coordinator.auth).expect(200);
    expect(status.body.scopesHeld).toEqual(['registry_follow_up']);
  });
});
