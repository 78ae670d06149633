import { CONSENT_SCOPES } from '@registry/domain';
import { Writable } from 'node:stream';
import { createConsentDocument, tokyoToday } from '../support/cohort-fixture';
import { createTestSystem, startApi, TestApi, TestSystem } from '../support/harness';
import { createIdentityFixture, identityEnv, IdentityFixture, PASSWORD } from '../support/identity-fixture';

interface LogEntry {
  req?: { method: string; path: string };
  body?: Record<string, unknown>;
}

/**
 * Issue 20: the API's log at debug level (request bodies included) over a whole enrolment and visit holds none
 * of the identity or health data sent: names, contacts, birth date, assessment values, passwords, tokens.
 */
describe('log redaction', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  let system: TestSystem;
  let api: TestApi;
  let f: IdentityFixture;

  const person = {
    familyName: 'Kurosawaredact',
    givenName: 'Hanakoredact',
    email: 'hanako.kurosawaredact@example.jp',
    phone: '+81 90 4321 8765',
    postalAddress: '3-14-15 Redactcho, Minato-ku, Tokyo 105-0011',
    studyPartner: { name: 'Jiro Kurosawaredact', contact: '+81 80 2718 2818' },
  };
  const BIRTH_DATE = '1957-11-23';
  const SUVR = 1.4837;
  const MMSE_TOTAL = 23;

  beforeAll(async () => {
    system = await createTestSystem({ ...identityEnv, LOG_LEVEL: 'debug' });
    api = await startApi(system.config, [], { logDestination: sink });
    f = await createIdentityFixture(api);
  });

  afterAll(async () => {
    await api?.close();
    await system?.shutdown();
  });

  it('logs an enrolment, consent, status change and visit with every identifying and clinical value redacted', async () => {
    const coordinator = f.coordinatorTokyo;
    const documentId = await createConsentDocument(api, f.admin);
    const enrolled = await api
      .http()
      .post('/api/v1/participants')
      .set(coordinator.auth)
      .send({
        siteId: f.sites.tokyo,
        birthDate: BIRTH_DATE,
        sex: 'female',
        educationYears: 13,
        apoeGenotype: 'e4/e4',
        familyHistory: { present: true, onsetAge: 69 },
        studyPartnerAvailable: true,
        referralSource: 'web_study',
        identity: person,
      })
      .expect(201);
    const participantId = enrolled.body.id as string;
    await api
      .http()
      .post(`/api/v1/participants/${participantId}/consents`)
      .set(coordinator.auth)
      .send({ consentDocumentId: documentId, signedOn: '2024-01-01', scopes: CONSENT_SCOPES })
      .expect(201);
    await api
      .http()
      .post(`/api/v1/participants/${participantId}/status`)
      .set(coordinator.auth)
      .send({
        to: 'enrolled',
        effectiveDate: tokyoToday(),
        reason: 'Met Dr Redactsensei at the memory clinic',
      })
      .expect(200);
    await api
      .http()
      .post(`/api/v1/participants/${participantId}/visits`)
      .set(coordinator.auth)
      .send({
        visitDate: tokyoToday(),
        assessments: [
          { type: 'mmse', values: { total: MMSE_TOTAL } },
          {
            type: 'amyloid_pet',
            values: {
              tracer: 'florbetapir',
              suvr: SUVR,
              pipeline: 'avid',
              referenceRegion: 'whole_cerebellum',
            },
          },
          {
            type: 'plasma',
            values: { platform: 'fujirebio_lumipulse', analyte: 'ptau217', result: 'positive' },
          },
        ],
      })
      .expect(201);
    await api.http().get(`/api/v1/participants/${participantId}/identity`).set(coordinator.auth);
    await api.http().get(`/api/v1/participants?search=${person.familyName}`).set(coordinator.auth);
    const log = lines.join('\n');

    // The bodies were logged (debug level), redacted: the test would pass vacuously otherwise.
    const entries = lines.map((line) => JSON.parse(line) as LogEntry);
    const enrolment = entries.find(
      (line) => line.req?.method === 'POST' && line.req?.path === '/api/v1/participants',
    );
    expect(enrolment).toMatchObject({
      msg: 'request completed',
      service: 'api',
      res: { status: 201 },
      requestId: expect.any(String),
      body: {
        siteId: f.sites.tokyo,
        referralSource: 'web_study',
        identity: '[Redacted]',
        birthDate: '[Redacted]',
        familyHistory: '[Redacted]',
      },
    });
    const visit = entries.find(
      (line) => line.req?.method === 'POST' && String(line.req?.path).endsWith('/visits'),
    );
    expect(visit?.body?.assessments).toBe('[Redacted]');

    const values = [
      ...Object.values(person).filter((value): value is string => typeof value === 'string'),
      person.studyPartner.name,
      person.studyPartner.contact,
      'Kurosawaredact',
      'Hanakoredact',
      BIRTH_DATE,
      'e4/e4',
      'Redactsensei',
      String(SUVR),
      `"total":${MMSE_TOTAL}`,
      '"result":"positive"',
      PASSWORD,
      coordinator.token,
      coordinator.refreshToken,
      f.admin.token,
      'Bearer ',
    ];
    const found = values.filter((value) => log.toLowerCase().includes(value.toLowerCase()));
    expect(found).toEqual([]);
    expect(lines.length).toBeGreaterThan(20);
  });
});
