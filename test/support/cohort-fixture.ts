import { addDays, CONSENT_SCOPES, dateInTimeZone } from '@registry/domain';
import type { TestApi } from './harness';
import type { IdentityFixture, Login } from './identity-fixture';

export const todayIn = (timeZone: string): string => dateInTimeZone(new Date(), timeZone);
export const tokyoToday = (): string => todayIn('Asia/Tokyo');
export { addDays };

export const personInput = (siteId: string, overrides: Record<string, unknown> = {}) => ({
  siteId,
  birthDate: '1958-04-01',
  sex: 'female',
  educationYears: 16,
  apoeGenotype: 'e3/e4',
  familyHistory: { present: true, onsetAge: 72 },
  studyPartnerAvailable: true,
  referralSource: 'web_study',
  identity: {
    familyName: 'Tanaka',
    givenName: 'Yuki',
    email: 'yuki.tanaka@example.jp',
    studyPartner: { name: 'Kenji Tanaka', contact: '+81 90 0000 0000' },
  },
  ...overrides,
});

/** A consent document granting every scope, made by the admin. */
export async function createConsentDocument(api: TestApi, admin: Login, version = '1.0'): Promise<string> {
  const res = await api.http().post('/api/v1/consent-documents').set(admin.auth).send({
    title: 'Trial-ready cohort consent',
    version,
    language: 'ja',
    effectiveDate: '2020-01-01',
    scopes: CONSENT_SCOPES,
  });
  if (res.status !== 201) throw new Error(`consent document: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

export async function defaultProtocolId(api: TestApi, login: Login): Promise<string> {
  const res = await api.http().get('/api/v1/protocols').set(login.auth).expect(200);
  return (res.body as { id: string; code: string }[]).find((p) => p.code === 'TRC-DEFAULT')!.id;
}

/** Enrols a participant at Tokyo with consent to every scope; returns the registry id. */
export async function enrolConsentedParticipant(
  api: TestApi,
  fixture: IdentityFixture,
  documentId: string,
  overrides: Record<string, unknown> = {},
): Promise<string> {
  const coordinator = fixture.coordinatorTokyo;
  const enrolled = await api
    .http()
    .post('/api/v1/participants')
    .set(coordinator.auth)
    .send(personInput(fixture.sites.tokyo, overrides));
  if (enrolled.status !== 201) throw new Error(`enrol: ${enrolled.status} ${JSON.stringify(enrolled.body)}`);
  const id = enrolled.body.id as string;
  const consent = await api
    .http()
    .post(`/api/v1/participants/${id}/consents`)
    .set(coordinator.auth)
    .send({ consentDocumentId: documentId, signedOn: '2024-01-01', scopes: CONSENT_SCOPES });
  if (consent.status !== 201) throw new Error(`consent: ${consent.status} ${JSON.stringify(consent.body)}`);
  return id;
}
