import { recordAudit } from '@registry/persistence';
import { personInput } from '../support/cohort-fixture';
import { createTestSystem, startApi, TestApi, TestSystem } from '../support/harness';
import { createIdentityFixture, identityEnv, IdentityFixture, Login } from '../support/identity-fixture';

const person = (siteId: string, familyName: string, extra: Record<string, unknown> = {}) =>
  personInput(siteId, { identity: { familyName, givenName: 'Aiko' }, ...extra });

describe('the duplicate check at enrolment', () => {
  let system: TestSystem;
  let api: TestApi;
  let f: IdentityFixture;

  beforeAll(async () => {
    system = await createTestSystem(identityEnv);
    api = await startApi(system.config);
    f = await createIdentityFixture(api);
  });

  afterAll(async () => {
    await api?.close();
    await system?.shutdown();
  });

  const enrol = (coordinator: { Authorization: string }, body: object) =>
    api.http().post('/api/v1/participants').set(coordinator).send(body);

  it('enrols one person once when identical enrolments arrive at the same moment', async () => {
    // Two sites as well as two requests per site: the per-site row lock cannot be what serialises them.
    const attempts = [
      [f.coordinatorTokyo, f.sites.tokyo],
      [f.coordinatorBoston, f.sites.boston],
      [f.coordinatorTokyo, f.sites.tokyo],
      [f.coordinatorBoston, f.sites.boston],
    ] as const;
    const responses = await Promise.all(
      attempts.map(([coordinator, siteId]) => enrol(coordinator.auth, person(siteId, 'Concurrent'))),
    );
    expect(responses.map((res) => res.status).sort()).toEqual([201, 409, 409, 409]);
    const enrolled = responses.find((res) => res.status === 201)!.body.id as string;
    const [{ same }] = await api.dataSource.query<{ same: number }[]>(
      `SELECT count(*)::int AS same FROM participant
        WHERE identity_fingerprint = (SELECT identity_fingerprint FROM participant WHERE id = $1)`,
      [enrolled],
    );
    expect(same).toBe(1);
  });

  it('audits each check, refused ones too, with a fingerprint and the answer but never the name', async () => {
    await enrol(f.coordinatorTokyo.auth, person(f.sites.tokyo, 'Checked')).expect(201);
    const refused = await enrol(f.coordinatorBoston.auth, person(f.sites.boston, 'Checked')).expect(409);
    expect(refused.body.meta).toEqual({ matchingSites: ['TKY'] });

    const checks = await api.dataSource.query<
      { actor_user_id: string; site_id: string; changes: { field: string; new: unknown }[] }[]
    >(
      `SELECT actor_user_id, site_id, changes FROM audit_event
        WHERE action = 'participant.duplicate_checked' AND request_id = $1`,
      [refused.headers['x-request-id']],
    );
    expect(checks).toEqual([
      {
        actor_user_id: f.coordinatorBoston.id,
        site_id: f.sites.boston,
        changes: [
          { field: 'identityFingerprint', old: null, new: expect.stringMatching(/^[0-9a-f]{64}$/) },
          { field: 'matchingSites', old: null, new: ['TKY'] },
        ],
      },
    ]);
    const trail = await api.dataSource.query<{ text: string }[]>(
      `SELECT string_agg(changes::text, ' ') AS text FROM audit_event WHERE action = 'participant.duplicate_checked'`,
    );
    expect(trail[0].text).not.toMatch(/Checked|Aiko|1958-04-01/);
  });

  it("shows a coordinator another site's match as its site code, never its registry id", async () => {
    const tokyo = await enrol(f.coordinatorTokyo.auth, person(f.sites.tokyo, 'Moved')).expect(201);
    const boston = await enrol(
      f.coordinatorBoston.auth,
      person(f.sites.boston, 'Moved', {
        acknowledgeDuplicate: { reason: 'Checked by phone: moved from Tokyo, same person' },
      }),
    ).expect(201);
    const trail = await api
      .http()
      .get(`/api/v1/audit?entityId=${boston.body.id}`)
      .set(f.coordinatorBoston.auth)
      .expect(200);
    const enrolled = trail.body.items.find(
      (row: { action: string }) => row.action === 'participant.enrolled',
    );
    expect(enrolled.changes).toContainEqual({ field: 'possibleDuplicateAtSites', old: null, new: ['TKY'] });
    expect(JSON.stringify(trail.body)).not.toContain(tokyo.body.id);
  });

  it("withholds other sites' registry ids that older enrolment rows named, from all but admins", async () => {
    // As enrolments were audited before the trail kept site codes only.
    const other = await enrol(f.coordinatorTokyo.auth, person(f.sites.tokyo, 'Legacy')).expect(201);
    const legacy = await enrol(
      f.coordinatorBoston.auth,
      person(f.sites.boston, 'Legacy', { acknowledgeDuplicate: { reason: 'Checked by phone' } }),
    ).expect(201);
    await api.dataSource.transaction((manager) =>
      recordAudit(manager, {
        action: 'participant.enrolled',
        entityType: 'participant',
        entityId: legacy.body.id,
        siteId: f.sites.boston,
        changes: [{ field: 'possibleDuplicateOf', old: null, new: [other.body.id] }],
        actor: { userId: f.coordinatorBoston.id, role: 'coordinator' },
      }),
    );
    const read = (login: Login) =>
      api.http().get(`/api/v1/audit?entityId=${legacy.body.id}`).set(login.auth).expect(200);
    const coordinatorView = JSON.stringify((await read(f.coordinatorBoston)).body);
    expect(coordinatorView).not.toContain(other.body.id);
    expect(coordinatorView).toContain('[withheld: registry ids of other sites]');
    expect(JSON.stringify((await read(f.admin)).body)).toContain(other.body.id);
  });
});

describe('the duplicate check is rate-limited per user', () => {
  let system: TestSystem;
  let api: TestApi;
  let f: IdentityFixture;

  beforeAll(async () => {
    system = await createTestSystem({ ...identityEnv, DUPLICATE_CHECK_RATE_LIMIT_PER_MINUTE: '2' });
    api = await startApi(system.config);
    f = await createIdentityFixture(api);
  });

  afterAll(async () => {
    await api?.close();
    await system?.shutdown();
  });

  it('answers 429 with Retry-After once a user has used the minute’s checks, and not for another user', async () => {
    const statuses: number[] = [];
    let limited: { status: number; headers: Record<string, string> } | undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      const res = await api
        .http()
        .post('/api/v1/participants')
        .set(f.coordinatorTokyo.auth)
        .send(personInput(f.sites.tokyo, { identity: { familyName: `Probe${attempt}`, givenName: 'A' } }));
      statuses.push(res.status);
      if (res.status === 429) limited ??= res;
    }
    // A minute boundary can fall inside the loop and reset the window once; a 429 still comes.
    expect(statuses.slice(0, 2)).toEqual([201, 201]);
    expect(limited?.headers['retry-after']).toMatch(/^[1-9][0-9]?$/);
    await api
      .http()
      .post('/api/v1/participants')
      .set(f.coordinatorBoston.auth)
      .send(personInput(f.sites.boston))
      .expect(201);
  });
});
