import { createConsentDocument, enrolConsentedParticipant, tokyoToday } from '../support/cohort-fixture';
import { createTestSystem, startApi, TestApi, TestSystem } from '../support/harness';
import { createIdentityFixture, identityEnv, IdentityFixture } from '../support/identity-fixture';

interface Assessment {
  id: string;
  type: string;
  values: Record<string, unknown>;
  derived: Record<string, unknown>;
}

// A scan whose tracer, pipeline and reference region have no published Centiloid equation is kept with its
// SUVR and no Centiloid; the coordinator is told why, when recording it and whenever the visits are listed.
describe('an amyloid PET without a published Centiloid equation', () => {
  let system: TestSystem;
  let api: TestApi;
  let f: IdentityFixture;
  let participantId: string;

  beforeAll(async () => {
    system = await createTestSystem(identityEnv);
    api = await startApi(system.config);
    f = await createIdentityFixture(api);
    participantId = await enrolConsentedParticipant(api, f, await createConsentDocument(api, f.admin));
  });

  afterAll(async () => {
    await api?.close();
    await system?.shutdown();
  });

  const visitsPath = () => `/api/v1/participants/${participantId}/visits`;
  const recordPet = async (values: Record<string, unknown>): Promise<Assessment> => {
    const res = await api
      .http()
      .post(visitsPath())
      .set(f.coordinatorTokyo.auth)
      .send({ visitDate: tokyoToday(), assessments: [{ type: 'amyloid_pet', values }] })
      .expect(201);
    return (res.body as { assessments: Assessment[] }).assessments[0];
  };
  const listed = async (assessmentId: string): Promise<Assessment> => {
    const res = await api.http().get(visitsPath()).set(f.coordinatorTokyo.auth).expect(200);
    const all = (res.body as { assessments: Assessment[] }[]).flatMap((visit) => visit.assessments);
    return all.find((a) => a.id === assessmentId)!;
  };

  it('says so in the visit it records and in the visit list', async () => {
    const pet = await recordPet({
      tracer: 'florbetapir',
      suvr: 1.3,
      pipeline: 'standard_centiloid',
      referenceRegion: 'whole_cerebellum',
    });
    const note = 'no published equation for florbetapir / standard_centiloid / whole_cerebellum';
    expect(pet.derived).toMatchObject({
      centiloid: null,
      amyloidStatus: 'unknown',
      centiloidUnavailable: note,
    });
    expect((await listed(pet.id)).derived.centiloidUnavailable).toBe(note);
  });

  it('carries no note on a scan a published equation converts', async () => {
    const pet = await recordPet({
      tracer: 'florbetapir',
      suvr: 1.3,
      pipeline: 'avid',
      referenceRegion: 'whole_cerebellum',
    });
    expect(pet.derived.centiloidEquationId).toBe('fbp-avid-navitsky2018');
    expect(pet.derived).not.toHaveProperty('centiloidUnavailable');
    expect((await listed(pet.id)).derived).not.toHaveProperty('centiloidUnavailable');
  });

  it('is documented in the OpenAPI description of an assessment', async () => {
    const document = (await api.http().get('/api/docs-json').expect(200)).body as {
      components: { schemas: Record<string, { properties: Record<string, { properties?: object }> }> };
    };
    expect(document.components.schemas.AssessmentDto.properties.derived.properties).toHaveProperty(
      'centiloidUnavailable',
    );
  });
});
