import type { TestApi } from './harness';

export const ADMIN_EMAIL = 'admin@registry.test';
export const PASSWORD = 'a long test passphrase 2026';

export interface Login {
  id: string;
  email: string;
  token: string;
  refreshToken: string;
  auth: { Authorization: string };
}

export interface IdentityFixture {
  sites: { tokyo: string; boston: string };
  organisations: { alpha: string; beta: string };
  admin: Login;
  coordinatorTokyo: Login;
  coordinatorBoston: Login;
  monitorTokyo: Login;
  sponsorAlpha: Login;
  sponsorBeta: Login;
}

export async function login(api: TestApi, email: string, password = PASSWORD): Promise<Login> {
  const res = await api.http().post('/api/v1/auth/login').send({ email, password });
  if (res.status !== 200)
    throw new Error(`login of ${email} failed: ${res.status} ${JSON.stringify(res.body)}`);
  const token = res.body.accessToken as string;
  const me = await api.http().get('/api/v1/auth/me').set('Authorization', `Bearer ${token}`);
  return {
    id: me.body.id,
    email,
    token,
    refreshToken: res.body.refreshToken,
    auth: { Authorization: `Bearer ${token}` },
  };
}

/**
 * Two sites (Tokyo, Boston), two sponsor organisations, and one user of each role, made through the API
 * by the bootstrap admin (the test system must set BOOTSTRAP_ADMIN_EMAIL and _PASSWORD, see identityEnv).
 */
export async function createIdentityFixture(api: TestApi): Promise<IdentityFixture> {
  const admin = await login(api, ADMIN_EMAIL);
  const post = async (path: string, body: object) => {
    const res = await api.http().post(path).set(admin.auth).send(body);
    if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { id: string };
  };
  const tokyo = (
    await post('/api/v1/sites', { code: 'TKY', name: 'Tokyo', country: 'JP', timeZone: 'Asia/Tokyo' })
  ).id;
  const boston = (
    await post('/api/v1/sites', { code: 'BOS', name: 'Boston', country: 'US', timeZone: 'America/New_York' })
  ).id;
  const alpha = (await post('/api/v1/sponsor-organisations', { name: 'Alpha Pharma' })).id;
  const beta = (await post('/api/v1/sponsor-organisations', { name: 'Beta Bio' })).id;
  const user = async (email: string, role: string, extra: object) => {
    await post('/api/v1/users', {
      email,
      role,
      displayName: email.split('@')[0],
      password: PASSWORD,
      ...extra,
    });
    return login(api, email);
  };
  return {
    sites: { tokyo, boston },
    organisations: { alpha, beta },
    admin,
    coordinatorTokyo: await user('coord.tky@registry.test', 'coordinator', { siteIds: [tokyo] }),
    coordinatorBoston: await user('coord.bos@registry.test', 'coordinator', { siteIds: [boston] }),
    monitorTokyo: await user('monitor.tky@registry.test', 'monitor', { siteIds: [tokyo] }),
    sponsorAlpha: await user('sponsor@alpha.test', 'sponsor', { sponsorOrganisationId: alpha }),
    sponsorBeta: await user('sponsor@beta.test', 'sponsor', { sponsorOrganisationId: beta }),
  };
}

export const identityEnv = { BOOTSTRAP_ADMIN_EMAIL: ADMIN_EMAIL, BOOTSTRAP_ADMIN_PASSWORD: PASSWORD };
