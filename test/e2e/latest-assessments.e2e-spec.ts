import { addDays } from '@registry/domain';
import { loadProfiles } from '@registry/persistence';
import { createConsentDocument, enrolConsentedParticipant, tokyoToday } from '../support/cohort-fixture';
import { createTestSystem, startApi, TestApi, TestSystem } from '../support/harness';
import { createIdentityFixture, identityEnv, IdentityFixture } from '../support/identity-fixture';

// Screening reads each participant's latest assessment per type and qualifier from a table kept by
// triggers on `assessment`; these tests hold it to what the full history says.
describe('the latest assessments that screening reads', () => {
  let system: TestSystem;
  let api: TestApi;
  let f: IdentityFixture;
  let participantId: string;
  const today = tokyoToday();
  const earlier = addDays(today, -400);

  beforeAll(async () => {
    system = await createTestSystem(identityEnv);
    api = await startApi(system.config);
    f = await createIdentityFixture(api);
    participantId = await enrolConsentedParticipant(api, f, await createConsentDocument(api, f.admin));
    for (const [visitDate, mmse, tracer, suvr] of [
      [earlier, 29, 'florbetaben', 1.3],
      [today, 27, 'flutemetamol', 1.1],
    ] as const) {
      await api
        .http()
        .post(`/api/v1/participants/${participantId}/visits`)
        .set(f.coordinatorTokyo.auth)
        .send({
          visitDate,
          assessments: [
            { type: 'mmse', values: { total: mmse } },
            {
              type: 'amyloid_pet',
              values: { tracer, suvr, pipeline: 'standard_centiloid', referenceRegion: 'whole_cerebellum' },
            },
          ],
        })
        .expect(201);
    }
  });

  afterAll(async () => {
    await api?.close();
    await system?.shutdown();
  });

  const latest = () =>
    api.dataSource.query<{ type: string; qualifier: string; performed_on: string; values: object }[]>(
      `SELECT type, qualifier, performed_on::text, values FROM participant_latest_assessment
        WHERE participant_id = $1 ORDER BY type, qualifier`,
      [participantId],
    );

  it('keeps one row per type and qualifier: the latest MMSE, and the latest PET of each tracer', async () => {
    expect(await latest()).toEqual([
      expect.objectContaining({ type: 'amyloid_pet', qualifier: 'florbetaben', performed_on: earlier }),
      expect.objectContaining({ type: 'amyloid_pet', qualifier: 'flutemetamol', performed_on: today }),
      expect.objectContaining({ type: 'mmse', qualifier: '', performed_on: today, values: { total: 27 } }),
    ]);
  });

  it('follows a correction of the latest value', async () => {
    const visits = await api
      .http()
      .get(`/api/v1/participants/${participantId}/visits`)
      .set(f.coordinatorTokyo.auth)
      .expect(200);
    const todays = (visits.body as { visitDate: string; assessments: { id: string; type: string }[] }[])
      .find((v) => v.visitDate === today)!
      .assessments.find((a) => a.type === 'mmse')!;
    await api
      .http()
      .patch(`/api/v1/participants/${participantId}/assessments/${todays.id}`)
      .set(f.coordinatorTokyo.auth)
      .send({ values: { total: 26 }, reason: 'Transcription error found at source data verification' })
      .expect(200);
    expect((await latest()).find((row) => row.type === 'mmse')).toMatchObject({ values: { total: 26 } });
  });

  it('gives the same profile as the history, today and on a day before the latest visit', async () => {
    const onToday = (await loadProfiles(api.dataSource.manager, [participantId], today)).get(participantId)!;
    expect(onToday.profile.observations).toMatchObject({
      'mmse.total': { value: 26, date: today },
    });
    // A day between the visits: the latest rows are too new, so the history answers.
    const between = addDays(today, -30);
    const before = (await loadProfiles(api.dataSource.manager, [participantId], between)).get(participantId)!;
    expect(before.profile.observations).toMatchObject({ 'mmse.total': { value: 29, date: earlier } });
    expect(Object.values(before.profile.observations).every((o) => o.date <= between)).toBe(true);
  });
});
