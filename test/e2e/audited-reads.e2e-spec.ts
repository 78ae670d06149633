import { personInput } from '../support/cohort-fixture';
import { createTestSystem, startApi, TestApi, TestSystem } from '../support/harness';
import { createIdentityFixture, identityEnv, IdentityFixture } from '../support/identity-fixture';

interface AuditRow {
  actor_user_id: string | null;
  actor_role: string;
  entity_type: string;
  entity_id: string | null;
  site_id: string | null;
  changes: { field: string; old: unknown; new: unknown }[];
  request_id: string | null;
  row: string;
}

describe('audited reads: identifying details and every sponsor query', () => {
  let system: TestSystem;
  let api: TestApi;
  let f: IdentityFixture;
  let trialId: string;

  beforeAll(async () => {
    system = await createTestSystem(identityEnv);
    api = await startApi(system.config);
    f = await createIdentityFixture(api);
    const trial = await api
      .http()
      .post('/api/v1/trials')
      .set(f.sponsorAlpha.auth)
      .send({
        title: 'Audited reads trial',
        registryNumber: 'NCT04468659',
        phase: '3',
        status: 'draft',
        siteIds: [f.sites.tokyo],
        targetEnrolment: 100,
        criteria: { language: 1, criteria: { type: 'age', min: 50 } },
      })
      .expect(201);
    trialId = trial.body.id as string;
  });

  afterAll(async () => {
    await api?.close();
    await system?.shutdown();
  });

  const rowsOf = (action: string, afterId: string) =>
    api.dataSource.query<AuditRow[]>(
      `SELECT actor_user_id, actor_role, entity_type, entity_id, site_id, changes, request_id,
              to_jsonb(a)::text AS row
         FROM audit_event a WHERE action = $1 AND a.id > $2 ORDER BY a.id`,
      [action, afterId],
    );
  const headId = async () =>
    (
      await api.dataSource.query<{ id: string }[]>(
        `SELECT coalesce(max(a.id), 0)::text AS id FROM audit_event a`,
      )
    )[0].id;

  it("records each read of a participant's identity: who, which participant, at which site", async () => {
    const enrolled = await api
      .http()
      .post('/api/v1/participants')
      .set(f.coordinatorTokyo.auth)
      .send(personInput(f.sites.tokyo))
      .expect(201);
    const participantId = enrolled.body.id as string;
    const before = await headId();
    const read = await api
      .http()
      .get(`/api/v1/participants/${participantId}/identity`)
      .set(f.coordinatorTokyo.auth)
      .expect(200);
    expect(read.body.familyName).toBe('Tanaka');
    const rows = await rowsOf('participant.identity_viewed', before);
    expect(rows).toEqual([
      expect.objectContaining({
        actor_user_id: f.coordinatorTokyo.id,
        actor_role: 'coordinator',
        entity_type: 'participant',
        entity_id: participantId,
        site_id: f.sites.tokyo,
        changes: [],
        request_id: read.headers['x-request-id'],
      }),
    ]);
    // The trail says that the identity was read, never what it holds.
    expect(rows[0].row).not.toMatch(/Tanaka|Yuki|example\.jp/i);
    // A refused read (another site's coordinator) shows nothing and records no view.
    await api
      .http()
      .get(`/api/v1/participants/${participantId}/identity`)
      .set(f.coordinatorBoston.auth)
      .expect(404);
    expect(await rowsOf('participant.identity_viewed', before)).toHaveLength(1);
  });

  it('records every query a sponsor makes, with the route and what was asked', async () => {
    const runs = await api.dataSource.query<{ id: string }[]>(`SELECT gen_random_uuid()::text AS id`);
    const before = await headId();
    const asked = [
      { path: '/api/v1/trials', route: 'GET /api/v1/trials', changes: [], status: 200 },
      {
        path: `/api/v1/trials/${trialId}`,
        route: 'GET /api/v1/trials/:id',
        changes: [{ field: 'params', old: null, new: { id: trialId } }],
        status: 200,
      },
      {
        path: `/api/v1/trials/${trialId}/screening-runs/${runs[0].id}`,
        route: 'GET /api/v1/trials/:id/screening-runs/:runId',
        changes: [{ field: 'params', old: null, new: { id: trialId, runId: runs[0].id } }],
        status: 404,
      },
      { path: '/api/v1/trials/templates', route: 'GET /api/v1/trials/templates', changes: [], status: 200 },
      {
        path: '/api/v1/sites?page=2',
        route: 'GET /api/v1/sites',
        changes: [{ field: 'query', old: null, new: { page: '2' } }],
        status: 200,
      },
    ];
    for (const query of asked) {
      await api.http().get(query.path).set(f.sponsorAlpha.auth).expect(query.status);
    }
    const rows = await rowsOf('sponsor.query', before);
    expect(
      rows.map(({ actor_user_id, actor_role, entity_type, entity_id, changes }) => ({
        actor_user_id,
        actor_role,
        entity_type,
        entity_id,
        changes,
      })),
    ).toEqual(
      asked.map((query) => ({
        actor_user_id: f.sponsorAlpha.id,
        actor_role: 'sponsor',
        entity_type: 'api_query',
        entity_id: query.route,
        changes: query.changes,
      })),
    );
  });

  it("records no sponsor query for other roles' reads", async () => {
    const before = await headId();
    await api.http().get('/api/v1/trials').set(f.admin.auth).expect(200);
    await api.http().get('/api/v1/trials').set(f.coordinatorTokyo.auth).expect(200);
    expect(await rowsOf('sponsor.query', before)).toEqual([]);
  });

  it('answers no sponsor query whose audit row cannot be written', async () => {
    await system.asOwner(`
      CREATE FUNCTION refuse_sponsor_query() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.action = 'sponsor.query' THEN RAISE EXCEPTION 'audit store refused'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER refuse_sponsor_query BEFORE INSERT ON audit_event FOR EACH ROW EXECUTE FUNCTION refuse_sponsor_query();`);
    try {
      const refused = await api.http().get('/api/v1/trials').set(f.sponsorAlpha.auth).expect(500);
      expect(JSON.stringify(refused.body)).not.toContain('Audited reads trial');
    } finally {
      await system.asOwner(`DROP TRIGGER refuse_sponsor_query ON audit_event`);
    }
  });
});
