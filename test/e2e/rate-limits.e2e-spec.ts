import { FixedClock } from '@registry/platform';
import { createTestSystem, startApi, TestApi, TestSystem } from '../support/harness';
import { ADMIN_EMAIL, identityEnv, login, Login } from '../support/identity-fixture';

/**
 * Issue 20: every request counts against a limit per client IP address and, once signed in, per user
 * (@nestjs/throttler on Redis); the client address comes from X-Forwarded-For only through trusted proxies.
 */
describe('rate limits per IP address and per user', () => {
  let system: TestSystem;
  let api: TestApi;
  let admin: Login;
  // Mid-minute on the injected clock: no window boundary falls between a test's requests.
  const clock = new FixedClock('2027-02-01T09:00:15Z');

  beforeAll(async () => {
    system = await createTestSystem({
      ...identityEnv,
      RATE_LIMIT_PER_IP_PER_MINUTE: '12',
      RATE_LIMIT_PER_USER_PER_MINUTE: '10',
      TRUST_PROXY: 'loopback',
    });
    api = await startApi(system.config, [], { clock });
    admin = await login(api, ADMIN_EMAIL);
  });

  afterAll(async () => {
    await api?.close();
    await system?.shutdown();
  });

  const health = (address: string) => api.http().get('/api/v1/health').set('X-Forwarded-For', address);

  it('refuses an address past its limit with 429, the code rate_limited and Retry-After, and no other address', async () => {
    clock.set('2027-02-01T09:00:15Z');
    const statuses: number[] = [];
    for (let i = 0; i < 13; i++) statuses.push((await health('198.51.100.7')).status);
    expect(statuses).toEqual([...Array<number>(12).fill(200), 429]);
    const refused = await health('198.51.100.7');
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ statusCode: 429, code: 'rate_limited' });
    expect(refused.headers['retry-after']).toBe('45');
    // Behind the trusted proxy (loopback), another client is another address.
    expect((await health('198.51.100.8')).status).toBe(200);
  });

  it('counts an address across routes: one budget per address, not one per route', async () => {
    clock.set('2027-02-01T09:02:15Z');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await health('198.51.100.20')).status);
    for (let i = 0; i < 6; i++)
      statuses.push(
        (await api.http().get('/api/v1/health/ready').set('X-Forwarded-For', '198.51.100.20')).status,
      );
    statuses.push((await health('198.51.100.20')).status);
    expect(statuses).toEqual([...Array<number>(12).fill(200), 429]);
  });

  it('counts requests refused for a bad token against their address: a token-guessing flood is limited too', async () => {
    clock.set('2027-02-01T09:03:15Z');
    const statuses: number[] = [];
    for (let i = 0; i < 13; i++)
      statuses.push(
        (
          await api
            .http()
            .get('/api/v1/auth/me')
            .set('Authorization', `Bearer not-a-token-${i}`)
            .set('X-Forwarded-For', '198.51.100.66')
        ).status,
      );
    // Refused for the token twelve times, then for the address before any token is looked at.
    expect(statuses).toEqual([...Array<number>(12).fill(401), 429]);
  });

  it('counts a signed-in user across addresses', async () => {
    clock.set('2027-02-01T09:01:10Z');
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++)
      statuses.push(
        (await api.http().get('/api/v1/auth/me').set(admin.auth).set('X-Forwarded-For', `203.0.113.${i}`))
          .status,
      );
    expect(statuses).toEqual([...Array<number>(10).fill(200), 429]);
    const refused = await api
      .http()
      .get('/api/v1/auth/me')
      .set(admin.auth)
      .set('X-Forwarded-For', '203.0.113.99');
    expect(refused.body).toMatchObject({ statusCode: 429, code: 'rate_limited' });
    expect(refused.headers['retry-after']).toBe('50');
    // Anonymous calls from a fresh address still pass: the user's limit is the user's.
    expect((await health('203.0.113.100')).status).toBe(200);
  });
});

describe('the client address without a trusted proxy', () => {
  let system: TestSystem;
  let api: TestApi;
  const clock = new FixedClock('2027-02-01T09:00:15Z');

  beforeAll(async () => {
    system = await createTestSystem({ RATE_LIMIT_PER_IP_PER_MINUTE: '10' });
    api = await startApi(system.config, [], { clock });
  });

  afterAll(async () => {
    await api?.close();
    await system?.shutdown();
  });

  it('ignores X-Forwarded-For: a client cannot pose as many addresses to escape its limit', async () => {
    expect(system.config.TRUST_PROXY).toBe('false');
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++)
      statuses.push((await api.http().get('/api/v1/health').set('X-Forwarded-For', `192.0.2.${i}`)).status);
    expect(statuses).toEqual([...Array<number>(10).fill(200), 429]);
  });
});
