import { JwtService } from '@nestjs/jwt';
import { FixedClock } from '@registry/platform';
import { unknownLoginEmailHash } from '../../apps/api/src/auth/login-email-hash';
import { createTestSystem, startApi, TestApi, TestSystem } from '../support/harness';
import {
  ADMIN_EMAIL,
  createIdentityFixture,
  identityEnv,
  IdentityFixture,
  login,
  PASSWORD,
} from '../support/identity-fixture';

describe('authentication', () => {
  let system: TestSystem;
  let api: TestApi;
  let fixture: IdentityFixture;

  beforeAll(async () => {
    system = await createTestSystem({
      ...identityEnv,
      LOGIN_LOCK_SECONDS: '2',
      LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
    });
    api = await startApi(system.config);
    fixture = await createIdentityFixture(api);
  });

  afterAll(async () => {
    await api?.close();
    await system?.shutdown();
  });

  const auditActions = async (entityId: string): Promise<string[]> =>
    (
      await api.dataSource.query<{ action: string }[]>(
        `SELECT action FROM audit_event WHERE entity_id = $1 ORDER BY id`,
        [entityId],
      )
    ).map((row) => row.action);

  it('refuses every non-public route without a valid token', async () => {
    await api.http().get('/api/v1/sites').expect(401);
    const res = await api.http().get('/api/v1/sites').set('Authorization', 'Bearer not-a-token').expect(401);
    expect(res.body).toMatchObject({ code: 'auth.unauthenticated', requestId: expect.any(String) });
  });

  it('logs in, audits the log-in, and answers /auth/me', async () => {
    const session = await login(api, fixture.coordinatorTokyo.email);
    const me = await api.http().get('/api/v1/auth/me').set(session.auth).expect(200);
    expect(me.body).toEqual({
      id: fixture.coordinatorTokyo.id,
      email: 'coord.tky@registry.test',
      displayName: 'coord.tky',
      role: 'coordinator',
      siteIds: [fixture.sites.tokyo],
      sponsorOrganisationId: null,
    });
    expect(await auditActions(fixture.coordinatorTokyo.id)).toContain('auth.login_succeeded');
  });

  it('compares e-mail addresses without case', async () => {
    await api
      .http()
      .post('/api/v1/auth/login')
      .send({ email: 'COORD.TKY@registry.test', password: PASSWORD })
      .expect(200);
  });

  it('gives one answer for an unknown address and a wrong password, and audits both', async () => {
    const unknown = await api
      .http()
      .post('/api/v1/auth/login')
      .send({ email: 'nobody@registry.test', password: PASSWORD });
    const wrong = await api
      .http()
      .post('/api/v1/auth/login')
      .send({ email: fixture.sponsorBeta.email, password: 'wrong password!!' });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body.message).toBe(wrong.body.message);
    expect(await auditActions(fixture.sponsorBeta.id)).toContain('auth.login_failed');
    await api
      .http()
      .post('/api/v1/auth/login')
      .send({ email: 'NoBody@Registry.test', password: PASSWORD })
      .expect(401);
    const rows = await api.dataSource.query<{ row: string; actor_role: string; changes: unknown }[]>(
      `SELECT to_jsonb(a)::text AS row, actor_role, changes FROM audit_event a
        WHERE action = 'auth.login_failed' AND entity_id IS NULL ORDER BY a.id`,
    );
    // A keyed hash of the lower-cased address, the same for both attempts; the address is nowhere in the row.
    const emailHash = unknownLoginEmailHash(system.config.IDENTITY_FINGERPRINT_KEY, 'nobody@registry.test');
    expect(rows.map(({ actor_role, changes }) => ({ actor_role, changes }))).toEqual([
      { actor_role: 'anonymous', changes: [{ field: 'emailHash', old: null, new: emailHash }] },
      { actor_role: 'anonymous', changes: [{ field: 'emailHash', old: null, new: emailHash }] },
    ]);
    for (const { row } of rows) expect(row.toLowerCase()).not.toMatch(/nobody|registry\.test/);
  });

  it('locks the account after seven wrong passwords in a row, audits the lock, and lets it expire', async () => {
    const email = fixture.monitorTokyo.email;
    for (let attempt = 1; attempt <= 7; attempt++) {
      await api
        .http()
        .post('/api/v1/auth/login')
        .send({ email, password: `wrong password ${attempt}` })
        .expect(401);
    }
    // The right password is refused while the lock holds.
    await api.http().post('/api/v1/auth/login').send({ email, password: PASSWORD }).expect(401);
    const actions = await auditActions(fixture.monitorTokyo.id);
    expect(actions.filter((action) => action === 'auth.account_locked')).toHaveLength(1);
    const [lock] = await api.dataSource.query(
      `SELECT reason, actor_role FROM audit_event WHERE action = 'auth.account_locked' AND entity_id = $1`,
      [fixture.monitorTokyo.id],
    );
    expect(lock).toEqual({ reason: '7 consecutive failed log-ins', actor_role: 'system' });
    const [refusedWhileLocked] = await api.dataSource.query(
      `SELECT reason FROM audit_event WHERE action = 'auth.login_failed' AND entity_id = $1 ORDER BY id DESC LIMIT 1`,
      [fixture.monitorTokyo.id],
    );
    expect(refusedWhileLocked.reason).toBe('account locked');

    await new Promise((resolve) => setTimeout(resolve, 2100)); // LOGIN_LOCK_SECONDS=2 in this system
    await api.http().post('/api/v1/auth/login').send({ email, password: PASSWORD }).expect(200);
  });

  it('does not lock an account whose failures are interrupted by a success', async () => {
    const email = fixture.sponsorAlpha.email;
    for (let attempt = 1; attempt <= 6; attempt++) {
      await api
        .http()
        .post('/api/v1/auth/login')
        .send({ email, password: `wrong password ${attempt}` })
        .expect(401);
    }
    await api.http().post('/api/v1/auth/login').send({ email, password: PASSWORD }).expect(200);
    await api.http().post('/api/v1/auth/login').send({ email, password: 'wrong again!!' }).expect(401);
    await api.http().post('/api/v1/auth/login').send({ email, password: PASSWORD }).expect(200);
  });

  it('rotates refresh tokens and revokes the family when a spent one is replayed', async () => {
    const session = await login(api, fixture.coordinatorBoston.email);
    const first = await api
      .http()
      .post('/api/v1/auth/refresh')
      .send({ refreshToken: session.refreshToken })
      .expect(200);
    expect(first.body.refreshToken).not.toBe(session.refreshToken);
    await api
      .http()
      .get('/api/v1/auth/me')
      .set('Authorization', `Bearer ${first.body.accessToken}`)
      .expect(200);

    // Replaying the spent token (as a thief would) fails and ends the whole session.
    await api.http().post('/api/v1/auth/refresh').send({ refreshToken: session.refreshToken }).expect(401);
    await api.http().post('/api/v1/auth/refresh').send({ refreshToken: first.body.refreshToken }).expect(401);
    expect(await auditActions(fixture.coordinatorBoston.id)).toContain('auth.refresh_token_reused');
  });

  it('ends a session on log-out', async () => {
    const session = await login(api, fixture.coordinatorBoston.email);
    await api.http().post('/api/v1/auth/logout').send({ refreshToken: session.refreshToken }).expect(204);
    await api.http().post('/api/v1/auth/refresh').send({ refreshToken: session.refreshToken }).expect(401);
    expect(await auditActions(fixture.coordinatorBoston.id)).toContain('auth.logout');
  });

  describe('an access token lives only as long as its session', () => {
    const me = (auth: { Authorization: string }) => api.http().get('/api/v1/auth/me').set(auth);

    it('stops working right after log-out', async () => {
      const session = await login(api, fixture.monitorTokyo.email);
      await me(session.auth).expect(200);
      await api.http().post('/api/v1/auth/logout').send({ refreshToken: session.refreshToken }).expect(204);
      await me(session.auth).expect(401);
    });

    it('stops working, before and after rotation, once a spent refresh token is replayed', async () => {
      const session = await login(api, fixture.monitorTokyo.email);
      const rotated = await api
        .http()
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: session.refreshToken })
        .expect(200);
      const rotatedAuth = { Authorization: `Bearer ${rotated.body.accessToken}` };
      await me(session.auth).expect(200);
      await me(rotatedAuth).expect(200);

      await api.http().post('/api/v1/auth/refresh').send({ refreshToken: session.refreshToken }).expect(401);
      await me(session.auth).expect(401);
      await me(rotatedAuth).expect(401);
    });

    it('ends the other sessions on a password change and keeps the one that changed it', async () => {
      const email = 'changer@registry.test';
      await api
        .http()
        .post('/api/v1/users')
        .set(fixture.admin.auth)
        .send({
          email,
          role: 'monitor',
          displayName: 'Changer',
          password: PASSWORD,
          siteIds: [fixture.sites.tokyo],
        })
        .expect(201);
      const other = await login(api, email);
      const current = await login(api, email);
      await api
        .http()
        .post('/api/v1/auth/password')
        .set(current.auth)
        .send({ currentPassword: PASSWORD, newPassword: 'a changed passphrase 2027' })
        .expect(204);

      await me(other.auth).expect(401);
      await api.http().post('/api/v1/auth/refresh').send({ refreshToken: other.refreshToken }).expect(401);
      await me(current.auth).expect(200);
      await api.http().post('/api/v1/auth/refresh').send({ refreshToken: current.refreshToken }).expect(200);
    });

    it('refuses a token signed with the right key but without an expiry or a session', async () => {
      const session = await login(api, fixture.monitorTokyo.email);
      const [{ family_id: sid }] = await api.dataSource.query<{ family_id: string }[]>(
        `SELECT family_id FROM refresh_token WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1`,
        [session.id],
      );
      const claims = { sub: session.id, role: 'monitor', typ: 'access', sid };
      const sign = (payload: object, expiresIn?: number) =>
        new JwtService().sign(payload, {
          secret: system.config.JWT_ACCESS_SECRET,
          algorithm: 'HS256',
          ...(expiresIn ? { expiresIn } : {}),
        });
      const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

      // The same claims with an expiry pass, so what is refused below is the missing claim alone.
      await me(bearer(sign(claims, 60))).expect(200);
      await me(bearer(sign(claims))).expect(401);
      await me(bearer(sign({ ...claims, sid: undefined }, 60))).expect(401);
    });
  });

  it('refuses a new password that breaks the policy, naming the field, and accepts a good one', async () => {
    const session = await login(api, fixture.sponsorBeta.email);
    const weak = await api
      .http()
      .post('/api/v1/auth/password')
      .set(session.auth)
      .send({ currentPassword: PASSWORD, newPassword: 'short' })
      .expect(400);
    expect(weak.body.details).toEqual([
      expect.objectContaining({ field: 'newPassword', constraint: 'minLength' }),
    ]);
    await api
      .http()
      .post('/api/v1/auth/password')
      .set(session.auth)
      .send({ currentPassword: PASSWORD, newPassword: 'another long passphrase 2027' })
      .expect(204);
    await login(api, fixture.sponsorBeta.email, 'another long passphrase 2027');
    const [audit] = await api.dataSource.query(
      `SELECT changes FROM audit_event WHERE action = 'user.password_changed' AND entity_id = $1`,
      [fixture.sponsorBeta.id],
    );
    expect(audit.changes).toEqual([{ field: 'password', old: '[redacted]', new: '[redacted]' }]);
  });

  it('stops a deactivated user at once: no log-in, and the access token in hand stops working', async () => {
    const victim = await api
      .http()
      .post('/api/v1/users')
      .set(fixture.admin.auth)
      .send({
        email: 'leaver@registry.test',
        role: 'monitor',
        displayName: 'Leaver',
        password: PASSWORD,
        siteIds: [fixture.sites.boston],
      })
      .expect(201);
    const session = await login(api, 'leaver@registry.test');
    await api.http().get('/api/v1/auth/me').set(session.auth).expect(200);

    await api
      .http()
      .post(`/api/v1/users/${victim.body.id}/deactivate`)
      .set(fixture.admin.auth)
      .send({})
      .expect(400);
    await api
      .http()
      .post(`/api/v1/users/${victim.body.id}/deactivate`)
      .set(fixture.admin.auth)
      .send({ reason: 'Left the study team' })
      .expect(200);

    await api.http().get('/api/v1/auth/me').set(session.auth).expect(401);
    await api.http().post('/api/v1/auth/refresh').send({ refreshToken: session.refreshToken }).expect(401);
    await api
      .http()
      .post('/api/v1/auth/login')
      .send({ email: 'leaver@registry.test', password: PASSWORD })
      .expect(401);
    const [audit] = await api.dataSource.query(
      `SELECT actor_user_id, reason, changes FROM audit_event WHERE action = 'user.deactivated' AND entity_id = $1`,
      [victim.body.id],
    );
    expect(audit).toEqual({
      actor_user_id: fixture.admin.id,
      reason: 'Left the study team',
      changes: [{ field: 'active', old: true, new: false }],
    });
  });

  it('audits role changes with old and new values and the reason, effective on the next request', async () => {
    const created = await api
      .http()
      .post('/api/v1/users')
      .set(fixture.admin.auth)
      .send({
        email: 'mover@registry.test',
        role: 'monitor',
        displayName: 'Mover',
        password: PASSWORD,
        siteIds: [fixture.sites.tokyo],
      })
      .expect(201);
    const session = await login(api, 'mover@registry.test');
    await api.http().get('/api/v1/users').set(session.auth).expect(403);

    await api
      .http()
      .patch(`/api/v1/users/${created.body.id}`)
      .set(fixture.admin.auth)
      .send({ role: 'coordinator', reason: 'Promoted to coordinator' })
      .expect(200);
    const me = await api.http().get('/api/v1/auth/me').set(session.auth).expect(200);
    expect(me.body.role).toBe('coordinator');
    const [audit] = await api.dataSource.query(
      `SELECT changes, reason FROM audit_event WHERE action = 'user.role_changed' AND entity_id = $1`,
      [created.body.id],
    );
    expect(audit).toEqual({
      changes: [{ field: 'role', old: 'monitor', new: 'coordinator' }],
      reason: 'Promoted to coordinator',
    });
  });

  it('refuses a role without the memberships it needs, naming the field', async () => {
    const res = await api
      .http()
      .post('/api/v1/users')
      .set(fixture.admin.auth)
      .send({
        email: 'x@registry.test',
        role: 'sponsor',
        displayName: 'X',
        password: PASSWORD,
        siteIds: [fixture.sites.tokyo],
      })
      .expect(400);
    expect(
      res.body.details.map((d: { field: string; constraint: string }) => `${d.field}:${d.constraint}`).sort(),
    ).toEqual(['siteIds:notAllowedForRole', 'sponsorOrganisationId:requiredForRole']);
  });

  it('creates the bootstrap admin once, however often the API starts', async () => {
    const second = await startApi(system.config);
    await second.close();
    const [{ count }] = await api.dataSource.query(
      `SELECT count(*)::int AS count FROM app_user WHERE role = 'admin'`,
    );
    expect(count).toBe(1);
    const [created] = await api.dataSource.query(
      `SELECT actor_role FROM audit_event WHERE action = 'user.created' AND changes @> $1::jsonb`,
      [JSON.stringify([{ field: 'email', new: ADMIN_EMAIL }])],
    );
    expect(created.actor_role).toBe('system');
  });
});

describe('log-in rate limit per IP address', () => {
  let system: TestSystem;
  let api: TestApi;
  // The windows are whole minutes of the injected clock; standing still mid-minute, no boundary can fall
  // between the attempts and reset the count (a real clock made this test fail whenever one did).
  const clock = new FixedClock('2026-12-02T12:00:30Z');

  beforeAll(async () => {
    system = await createTestSystem({ ...identityEnv, LOGIN_RATE_LIMIT_PER_MINUTE: '3' });
    api = await startApi(system.config, [], { clock });
  });

  afterAll(async () => {
    await api?.close();
    await system?.shutdown();
  });

  it('answers 429 once an address has used its attempts for the minute, even with the right password', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      statuses.push(
        (await api.http().post('/api/v1/auth/login').send({ email: 'a@b.test', password: 'whatever it is' }))
          .status,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
    const res = await api.http().post('/api/v1/auth/login').send({ email: ADMIN_EMAIL, password: PASSWORD });
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBe(30);
  });

  it('counts afresh in the next minute', async () => {
    clock.set('2026-12-02T12:01:05Z');
    const res = await api.http().post('/api/v1/auth/login').send({ email: ADMIN_EMAIL, password: PASSWORD });
    expect(res.status).toBe(200);
  });
});
