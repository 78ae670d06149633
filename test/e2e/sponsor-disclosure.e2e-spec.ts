import { TRIAL_TEMPLATES } from '@registry/domain';
import { createConsentDocument, enrolConsentedParticipant } from '../support/cohort-fixture';
import { createTestSystem, startApi, TestApi, TestSystem } from '../support/harness';
import { createIdentityFixture, identityEnv, IdentityFixture, Login } from '../support/identity-fixture';
import { createRecruitingTrial } from '../support/trial-fixture';

const TB3 = TRIAL_TEMPLATES.find((t) => t.key === 'trailblazer-alz-3')!;

/**
 * A screening run walks everyone at the trial's sites, people who did not consent to sharing counts with
 * sponsors too, so a sponsor sees its progress as a share and no count (docs/PRIVACY.md); an admin sees the
 * numbers. No worker runs here, so a run stays where it was started unless the test moves it.
 */
describe('disclosure control of the counts a sponsor receives', () => {
  let system: TestSystem;
  let api: TestApi;
  let f: IdentityFixture;
  let trialId: string;
  let runPath: string;
  let runId: string;

  beforeAll(async () => {
    system = await createTestSystem(identityEnv);
    api = await startApi(system.config);
    f = await createIdentityFixture(api);
    const documentId = await createConsentDocument(api, f.admin);
    for (const givenName of ['Aiko', 'Haruto', 'Mei'])
      await enrolConsentedParticipant(api, f, documentId, { identity: { familyName: 'Sato', givenName } });
    trialId = await createRecruitingTrial(api, { sponsor: f.sponsorAlpha, admin: f.admin }, TB3, [
      f.sites.tokyo,
    ]);
    const updated = await api
      .http()
      .put(`/api/v1/trials/${trialId}/criteria`)
      .set(f.sponsorAlpha.auth)
      .send({ criteria: TB3.criteria })
      .expect(200);
    runId = updated.body.screeningRunId as string;
    runPath = `/api/v1/trials/${trialId}/screening-runs/${runId}`;
  });

  afterAll(async () => {
    await api?.close();
    await system?.shutdown();
  });

  const runAs = async (caller: Login) =>
    (await api.http().get(runPath).set(caller.auth).expect(200)).body as {
      done: unknown;
      total: unknown;
      progressPercent: unknown;
    };

  it("shows a sponsor a run's progress as a share and no count, and an admin the exact numbers", async () => {
    expect(await runAs(f.sponsorAlpha)).toMatchObject({ total: null, done: null, progressPercent: 0 });
    expect(await runAs(f.admin)).toMatchObject({ total: 3, done: 0, progressPercent: 0 });
  });

  it('shows a sponsor 100 once the run has finished, and still no count', async () => {
    // As a walk of a large cohort would leave it.
    await api.dataSource.query(
      `UPDATE screening_run SET total = 1240, done = 1240, finished_at = now() WHERE id = $1`,
      [runId],
    );
    expect(await runAs(f.sponsorAlpha)).toMatchObject({ total: null, done: null, progressPercent: 100 });
    expect(await runAs(f.admin)).toMatchObject({ total: 1240, done: 1240, progressPercent: 100 });
  });
});
