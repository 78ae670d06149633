import { TRIAL_TEMPLATES } from '@registry/domain';
import { DeterminationRepository, ScreeningRepository, TypeOrmTransactions } from '@registry/persistence';
import { SiteCalendar, SystemClock } from '@registry/platform';
import { ScreeningService } from '../../apps/worker/src/screening/screening.service';
import { createConsentDocument, enrolConsentedParticipant } from '../support/cohort-fixture';
import { createTestSystem, startApi, TestApi, TestSystem } from '../support/harness';
import { createIdentityFixture, identityEnv, IdentityFixture } from '../support/identity-fixture';

const TB3 = TRIAL_TEMPLATES.find((t) => t.key === 'trailblazer-alz-3')!;

/**
 * A sponsor proposes sites for its trial; a site takes part (is screened, and its coordinators get flags)
 * only once an admin or a coordinator of that site accepts. No worker runs here: screening is called directly.
 */
describe('trial sites: proposed by the sponsor, accepted by the site', () => {
  let system: TestSystem;
  let api: TestApi;
  let f: IdentityFixture;
  let screening: ScreeningService;
  let participantId: string;
  let trialId: string;

  beforeAll(async () => {
    system = await createTestSystem(identityEnv);
    api = await startApi(system.config);
    screening = new ScreeningService(
      new TypeOrmTransactions(api.dataSource),
      new ScreeningRepository(),
      new DeterminationRepository(),
      new SiteCalendar(new SystemClock()),
    );
    f = await createIdentityFixture(api);
    participantId = await enrolConsentedParticipant(api, f, await createConsentDocument(api, f.admin));
    const created = await api
      .http()
      .post('/api/v1/trials')
      .set(f.sponsorAlpha.auth)
      .send({
        title: TB3.title,
        registryNumber: TB3.registryNumber,
        phase: TB3.phase,
        status: 'recruiting',
        siteIds: [f.sites.tokyo, f.sites.boston],
        targetEnrolment: 100,
        criteria: TB3.criteria,
      })
      .expect(201);
    trialId = created.body.id;
  });

  afterAll(async () => {
    await api?.close();
    await system?.shutdown();
  });

  const screenedSites = async () =>
    [...((await screening.recruitingTrials()).find((t) => t.id === trialId)?.siteIds ?? [])].sort();
  const determinations = async () =>
    (
      await api.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM eligibility_determination WHERE participant_id = $1 AND trial_id = $2`,
        [participantId, trialId],
      )
    )[0].n;
  interface TrialView {
    siteIds: string[];
    siteProposals: { siteId: string; state: string }[];
  }
  const trialAsSponsor = async () =>
    (await api.http().get(`/api/v1/trials/${trialId}`).set(f.sponsorAlpha.auth).expect(200))
      .body as TrialView;

  it('takes no proposed site into screening, so a sponsor cannot direct flags to it', async () => {
    const trial = await trialAsSponsor();
    expect(trial.siteIds).toEqual([]);
    expect(trial.siteProposals.map((p) => p.state)).toEqual(['proposed', 'proposed']);
    expect(await screenedSites()).toEqual([]);
    await screening.screen([participantId]);
    expect(await determinations()).toBe(0);
    const listed = await api.http().get('/api/v1/trials').set(f.coordinatorTokyo.auth).expect(200);
    expect(listed.body.map((t: { id: string }) => t.id)).not.toContain(trialId);
    const runs = await api.dataSource.query(`SELECT id FROM screening_run WHERE trial_id = $1`, [trialId]);
    expect(runs).toEqual([]);
  });

  it("shows a coordinator the proposals to their own sites only, and no say over another site's", async () => {
    const proposals = await api
      .http()
      .get('/api/v1/trials/site-proposals?state=proposed')
      .set(f.coordinatorTokyo.auth)
      .expect(200);
    expect(proposals.body).toEqual([
      expect.objectContaining({ trialId, siteId: f.sites.tokyo, state: 'proposed', trialTitle: TB3.title }),
    ]);
    await api
      .http()
      .post(`/api/v1/trials/${trialId}/sites/${f.sites.tokyo}/accept`)
      .set(f.coordinatorBoston.auth)
      .expect(404);
  });

  it('screens a site once its coordinator accepts, audits the decision, and starts a run', async () => {
    const accepted = await api
      .http()
      .post(`/api/v1/trials/${trialId}/sites/${f.sites.tokyo}/accept`)
      .set(f.coordinatorTokyo.auth)
      .expect(200);
    expect(accepted.body).toMatchObject({
      siteId: f.sites.tokyo,
      state: 'accepted',
      decidedAt: expect.any(String),
    });
    expect(await screenedSites()).toEqual([f.sites.tokyo]);
    await screening.screen([participantId]);
    expect(await determinations()).toBe(1);

    const audit = await api.dataSource.query(
      `SELECT actor_user_id, site_id, changes FROM audit_event WHERE action = 'trial.site_accepted' AND entity_id = $1`,
      [trialId],
    );
    expect(audit).toEqual([
      {
        actor_user_id: f.coordinatorTokyo.id,
        site_id: f.sites.tokyo,
        changes: [{ field: 'siteProposal', old: 'proposed', new: 'accepted' }],
      },
    ]);
    const runs = await api.dataSource.query(`SELECT cause FROM screening_run WHERE trial_id = $1`, [trialId]);
    expect(runs).toEqual([{ cause: 'site_accepted' }]);
  });

  it('keeps a declined site out, and decides each proposal once', async () => {
    await api
      .http()
      .post(`/api/v1/trials/${trialId}/sites/${f.sites.boston}/decline`)
      .set(f.admin.auth)
      .expect(200);
    const again = await api
      .http()
      .post(`/api/v1/trials/${trialId}/sites/${f.sites.boston}/accept`)
      .set(f.admin.auth)
      .expect(409);
    expect(again.body).toMatchObject({ code: 'trial.site_already_decided', meta: { state: 'declined' } });
    expect(await screenedSites()).toEqual([f.sites.tokyo]);

    const trial = await trialAsSponsor();
    expect(trial.siteIds).toEqual([f.sites.tokyo]);
    expect(trial.siteProposals).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ siteId: f.sites.tokyo, state: 'accepted' }),
        expect.objectContaining({ siteId: f.sites.boston, state: 'declined' }),
      ]),
    );
    const [declined] = await api.dataSource.query(
      `SELECT actor_user_id, site_id FROM audit_event WHERE action = 'trial.site_declined' AND entity_id = $1`,
      [trialId],
    );
    expect(declined).toEqual({ actor_user_id: f.admin.id, site_id: f.sites.boston });
  });
});
