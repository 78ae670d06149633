import type { Response } from 'supertest';
import { personInput } from '../support/cohort-fixture';
import { createTestSystem, startApi, TestApi, TestSystem } from '../support/harness';
import { createIdentityFixture, identityEnv, IdentityFixture } from '../support/identity-fixture';

const expectSecurityHeaders = (res: Response) =>
  expect(res.headers).toMatchObject({
    'content-security-policy': expect.stringContaining("default-src 'self'"),
    'strict-transport-security': expect.stringContaining('max-age='),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'SAMEORIGIN',
    'cross-origin-opener-policy': 'same-origin',
  });

describe('HTTP headers: security headers everywhere, nothing sensitive cached', () => {
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

  it('sends the security headers on a 200, a 401 and a 404', async () => {
    expectSecurityHeaders(await api.http().get('/api/v1/sites').set(f.admin.auth).expect(200));
    expectSecurityHeaders(await api.http().get('/api/v1/sites').expect(401));
    expectSecurityHeaders(await api.http().get('/api/v1/no-such-route').set(f.admin.auth).expect(404));
  });

  it('forbids caching of log-in, refresh, identity and participant responses', async () => {
    const login = await api
      .http()
      .post('/api/v1/auth/login')
      .send({ email: f.coordinatorTokyo.email, password: 'a long test passphrase 2026' })
      .expect(200);
    const refreshed = await api
      .http()
      .post('/api/v1/auth/refresh')
      .send({ refreshToken: login.body.refreshToken })
      .expect(200);
    const coordinator = f.coordinatorTokyo.auth;
    const enrolled = await api
      .http()
      .post('/api/v1/participants')
      .set(coordinator)
      .send(personInput(f.sites.tokyo))
      .expect(201);
    const participant = `/api/v1/participants/${enrolled.body.id}`;
    const responses = [
      login,
      refreshed,
      enrolled,
      await api.http().get(participant).set(coordinator).expect(200),
      await api.http().get(`${participant}/identity`).set(coordinator).expect(200),
      await api.http().get('/api/v1/participants').set(coordinator).expect(200),
    ];
    expect(responses.map((res) => res.headers['cache-control'])).toEqual(responses.map(() => 'no-store'));
  });

  it('serves the API docs when enabled (the default outside production) under the same headers', async () => {
    expectSecurityHeaders(await api.http().get('/api/docs').expect(200));
    await api.http().get('/api/docs-json').expect(200);
  });
});

describe('API docs switched off', () => {
  let system: TestSystem;
  let api: TestApi;

  beforeAll(async () => {
    system = await createTestSystem({ ...identityEnv, API_DOCS_ENABLED: 'false' });
    api = await startApi(system.config);
  });

  afterAll(async () => {
    await api?.close();
    await system?.shutdown();
  });

  it('answers 404 for the UI and the document', async () => {
    await api.http().get('/api/docs').expect(404);
    await api.http().get('/api/docs-json').expect(404);
    await api.http().get('/api/v1/health').expect(200);
  });
});
