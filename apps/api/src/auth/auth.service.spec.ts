import { JwtService } from '@nestjs/jwt';
import { Environment } from '@registry/config';
import { Role } from '@registry/domain';
import { REDACTED } from '@registry/persistence';
import { ErrorKind, FixedClock } from '@registry/platform';
import {
  coordinatorAt,
  FakeAuditRepository,
  FakePasswordHasher,
  FakeSessionRepository,
  FakeTransactions,
  FakeUserRepository,
  refusal,
} from '../../../../test/fakes';
import type { Actor } from './actor';
import { AuthService } from './auth.service';
import { unknownLoginEmailHash } from './login-email-hash';
import { hashRefreshToken, TokenService } from './token.service';

const NOW = '2026-03-02T12:00:00Z';
const PASSWORD = 'correct horse battery';

function setUp() {
  const config = Object.assign(new Environment(), {
    JWT_ACCESS_SECRET: 'unit-test-access-secret-'.padEnd(48, 'x'),
    IDENTITY_FINGERPRINT_KEY: 'unit-test-pseudonymisation-key-'.padEnd(48, 'k'),
    LOGIN_MAX_FAILED_ATTEMPTS: 3,
    LOGIN_LOCK_SECONDS: 900,
    LOGIN_RATE_LIMIT_PER_MINUTE: 30,
  });
  const clock = new FixedClock(NOW);
  const users = new FakeUserRepository();
  const sessions = new FakeSessionRepository(users);
  const audit = new FakeAuditRepository();
  const hasher = new FakePasswordHasher();
  const transactions = new FakeTransactions();
  const tokens = new TokenService(new JwtService({}), sessions, config, clock);
  const service = new AuthService(transactions, users, sessions, audit, hasher, tokens, config, clock);
  const alice = users.add({
    email: 'Alice.Smith@site.test',
    role: Role.Coordinator,
    passwordHash: `hashed:${PASSWORD}`,
  });
  return { service, users, sessions, audit, hasher, transactions, tokens, clock, config, alice };
}

/** The actor of a request made with tokens issued in `sessionId`. */
const actorOf = (user: { id: string; email: string }, sessionId: string): Actor => ({
  ...coordinatorAt('site-1'),
  userId: user.id,
  email: user.email,
  sessionId,
});

describe('AuthService', () => {
  describe('logging in', () => {
    it('issues tokens of a new session for the right password, whatever the case of the address', async () => {
      const { service, tokens, sessions, users, alice } = setUp();
      const issued = await service.login('alice.smith@SITE.test', PASSWORD);

      const claims = await tokens.verifyAccessToken(issued.accessToken);
      expect(claims).toMatchObject({ sub: alice.id, role: Role.Coordinator });
      expect(sessions.openSessionsOf(alice.id)).toEqual([claims!.sid]);
      expect(users.locked).toEqual([alice.id]);
    });

    it('clears the failures counted so far and records when, by the injected clock', async () => {
      const { service, users, alice } = setUp();
      users.rows.set(alice.id, { ...alice, failedLoginCount: 2 });
      await service.login(alice.email, PASSWORD);
      expect(users.rows.get(alice.id)).toMatchObject({
        failedLoginCount: 0,
        lockedUntil: null,
        lastLoginAt: new Date(NOW),
      });
    });

    it('audits the log-in as done by the user', async () => {
      const { service, audit, alice } = setUp();
      await service.login(alice.email, PASSWORD);
      expect(audit.only('auth.login_succeeded')).toMatchObject({
        entityId: alice.id,
        actor: { userId: alice.id, role: Role.Coordinator },
      });
    });

    it('refuses a wrong password with the one log-in answer, counts it and audits it, issuing nothing', async () => {
      const { service, users, audit, sessions, alice } = setUp();
      const error = await refusal(service.login(alice.email, 'wrong password!!'));

      expect(error).toMatchObject({ kind: ErrorKind.Unauthenticated, code: 'auth.login_failed' });
      expect(users.rows.get(alice.id)?.failedLoginCount).toBe(1);
      expect(audit.only('auth.login_failed')).toMatchObject({ entityId: alice.id, reason: 'wrong password' });
      expect(sessions.tokens).toEqual([]);
    });

    it('locks the account for the configured time after the configured number of consecutive failures', async () => {
      const { service, users, audit, alice } = setUp();
      for (let attempt = 1; attempt <= 3; attempt += 1) {
        await refusal(service.login(alice.email, 'wrong password!!'));
      }

      expect(users.rows.get(alice.id)).toMatchObject({
        failedLoginCount: 0,
        lockedUntil: new Date('2026-03-02T12:15:00Z'),
      });
      expect(audit.only('auth.account_locked')).toMatchObject({
        entityId: alice.id,
        changes: [{ field: 'lockedUntil', old: null, new: '2026-03-02T12:15:00.000Z' }],
        reason: '3 consecutive failed log-ins',
        actor: { userId: null, role: 'system' },
      });
    });

    it('refuses even the right password while the lock lasts, with the same answer, and accepts it once the lock has run out', async () => {
      const { service, users, audit, clock, alice } = setUp();
      users.rows.set(alice.id, { ...alice, lockedUntil: new Date('2026-03-02T12:15:00Z') });

      const error = await refusal(service.login(alice.email, PASSWORD));
      expect(error.code).toBe('auth.login_failed');
      expect(audit.only('auth.login_failed').reason).toBe('account locked');

      clock.set('2026-03-02T12:15:01Z');
      await expect(service.login(alice.email, PASSWORD)).resolves.toMatchObject({ tokenType: 'Bearer' });
    });

    it('refuses a deactivated account with the same answer, without counting a failure', async () => {
      const { service, users, audit, alice } = setUp();
      users.rows.set(alice.id, { ...alice, active: false });

      const error = await refusal(service.login(alice.email, PASSWORD));
      expect(error.code).toBe('auth.login_failed');
      expect(audit.only('auth.login_failed').reason).toBe('account inactive');
      expect(users.rows.get(alice.id)?.failedLoginCount).toBe(0);
    });

    it('answers an unknown address as a wrong password, after checking a password all the same (equal timing)', async () => {
      const { service, hasher } = setUp();
      const error = await refusal(service.login('nobody@site.test', PASSWORD));
      expect(error.code).toBe('auth.login_failed');
      expect(hasher.verified).toEqual([undefined]);
    });

    it('audits a failed log-in of an unknown address with a keyed hash of it, never the address', async () => {
      const { service, audit, config } = setUp();
      await refusal(service.login('Nobody@Site.test', PASSWORD));

      const entry = audit.only('auth.login_failed');
      expect(entry).toMatchObject({
        entityId: null,
        reason: 'unknown e-mail',
        actor: { userId: null, role: 'anonymous' },
        changes: [
          {
            field: 'emailHash',
            old: null,
            new: unknownLoginEmailHash(config.IDENTITY_FINGERPRINT_KEY, 'nobody@site.test'),
          },
        ],
      });
      expect(JSON.stringify(entry).toLowerCase()).not.toContain('nobody@site.test');
    });
  });

  describe('refreshing tokens', () => {
    it('rotates the refresh token within the same session and spends the old one', async () => {
      const { service, tokens, sessions, alice } = setUp();
      const first = await service.login(alice.email, PASSWORD);
      const session = (await tokens.verifyAccessToken(first.accessToken))!.sid;

      const second = await service.refresh(first.refreshToken);

      expect(second.refreshToken).not.toBe(first.refreshToken);
      expect((await tokens.verifyAccessToken(second.accessToken))?.sid).toBe(session);
      const old = sessions.tokens.find((t) => t.tokenHash === hashRefreshToken(first.refreshToken));
      expect(old?.usedAt).toEqual(new Date(NOW));
      expect(sessions.locked).toEqual([hashRefreshToken(first.refreshToken)]);
    });

    it('treats a spent token presented again as stolen: ends its whole session and audits the reuse', async () => {
      const { service, sessions, audit, alice } = setUp();
      const first = await service.login(alice.email, PASSWORD);
      const second = await service.refresh(first.refreshToken);

      const error = await refusal(service.refresh(first.refreshToken));

      expect(error).toMatchObject({ kind: ErrorKind.Unauthenticated, code: 'auth.invalid_refresh_token' });
      expect(sessions.openSessionsOf(alice.id)).toEqual([]);
      await expect(service.refresh(second.refreshToken)).rejects.toMatchObject({
        code: 'auth.invalid_refresh_token',
      });
      expect(audit.only('auth.refresh_token_reused')).toMatchObject({
        entityId: alice.id,
        actor: { userId: null, role: 'system' },
      });
    });

    it('refuses an expired refresh token, by the injected clock, without spending it', async () => {
      const { service, sessions, clock, alice } = setUp();
      const { refreshToken } = await service.login(alice.email, PASSWORD);
      clock.set('2026-03-16T12:00:00Z');

      await expect(service.refresh(refreshToken)).rejects.toMatchObject({
        code: 'auth.invalid_refresh_token',
      });
      expect(sessions.tokens.every((t) => t.usedAt === null)).toBe(true);
    });

    it('refuses the refresh token of an account deactivated since', async () => {
      const { service, users, alice } = setUp();
      const { refreshToken } = await service.login(alice.email, PASSWORD);
      users.rows.set(alice.id, { ...users.rows.get(alice.id)!, active: false });

      await expect(service.refresh(refreshToken)).rejects.toMatchObject({
        code: 'auth.invalid_refresh_token',
      });
    });

    it('refuses an unknown refresh token without auditing anything', async () => {
      const { service, audit } = setUp();
      await expect(service.refresh('made-up-token')).rejects.toMatchObject({
        code: 'auth.invalid_refresh_token',
      });
      expect(audit.entries).toEqual([]);
    });

    it('refuses the token of a logged-out session without calling it a reuse', async () => {
      const { service, audit, alice } = setUp();
      const { refreshToken } = await service.login(alice.email, PASSWORD);
      await service.logout(refreshToken);

      await expect(service.refresh(refreshToken)).rejects.toMatchObject({
        code: 'auth.invalid_refresh_token',
      });
      expect(audit.entries.map((entry) => entry.action)).not.toContain('auth.refresh_token_reused');
    });
  });

  describe('logging out', () => {
    it('ends the session of the refresh token and audits it, leaving the other sessions of the user open', async () => {
      const { service, sessions, audit, tokens, alice } = setUp();
      const laptop = await service.login(alice.email, PASSWORD);
      const phone = await service.login(alice.email, PASSWORD);

      await service.logout(laptop.refreshToken);

      const phoneSession = (await tokens.verifyAccessToken(phone.accessToken))!.sid;
      expect(sessions.openSessionsOf(alice.id)).toEqual([phoneSession]);
      expect(audit.only('auth.logout')).toMatchObject({ entityType: 'user', entityId: alice.id });
    });

    it('ignores an unknown or already ended session, auditing nothing', async () => {
      const { service, audit, alice } = setUp();
      const { refreshToken } = await service.login(alice.email, PASSWORD);
      await service.logout(refreshToken);

      await service.logout(refreshToken);
      await service.logout('made-up-token');
      expect(audit.entries.filter((entry) => entry.action === 'auth.logout')).toHaveLength(1);
    });
  });

  describe('changing one’s password', () => {
    const NEW_PASSWORD = 'a much longer passphrase';

    async function loggedIn() {
      const context = setUp();
      const { service, tokens, alice } = context;
      const here = await service.login(alice.email, PASSWORD);
      const elsewhere = await service.login(alice.email, PASSWORD);
      const sessionOf = async (issued: { accessToken: string }) =>
        (await tokens.verifyAccessToken(issued.accessToken))!.sid;
      return { ...context, here: await sessionOf(here), elsewhere: await sessionOf(elsewhere) };
    }

    it('stores the new hash, ends every other session, keeps the one that changed it, and audits without the password', async () => {
      const { service, users, sessions, audit, alice, here } = await loggedIn();
      await service.changePassword(actorOf(alice, here), PASSWORD, NEW_PASSWORD);

      expect(users.rows.get(alice.id)?.passwordHash).toBe(`hashed:${NEW_PASSWORD}`);
      expect(sessions.openSessionsOf(alice.id)).toEqual([here]);
      const entry = audit.only('user.password_changed');
      expect(entry).toMatchObject({
        entityId: alice.id,
        changes: [{ field: 'password', old: REDACTED, new: REDACTED }],
      });
      expect(JSON.stringify(entry)).not.toContain(NEW_PASSWORD);
    });

    it('refuses a wrong current password, naming currentPassword, and changes nothing', async () => {
      const { service, users, sessions, audit, alice, here, elsewhere } = await loggedIn();
      const entriesBefore = audit.entries.length;

      const error = await refusal(
        service.changePassword(actorOf(alice, here), 'not my password', NEW_PASSWORD),
      );

      expect(error.details).toEqual([
        expect.objectContaining({ field: 'currentPassword', constraint: 'matches' }),
      ]);
      expect(users.rows.get(alice.id)?.passwordHash).toBe(`hashed:${PASSWORD}`);
      expect(sessions.openSessionsOf(alice.id).sort()).toEqual([here, elsewhere].sort());
      expect(audit.entries).toHaveLength(entriesBefore);
    });

    it('refuses a new password against the policy, naming newPassword, before reading the account', async () => {
      const { service, transactions, alice, here } = await loggedIn();
      const opened = transactions.opened;

      const tooShort = await refusal(service.changePassword(actorOf(alice, here), PASSWORD, 'short'));
      const personal = await refusal(
        service.changePassword(actorOf(alice, here), PASSWORD, 'my name is alice.smith!'),
      );

      expect(tooShort.details).toEqual([
        expect.objectContaining({ field: 'newPassword', constraint: 'minLength' }),
      ]);
      expect(personal.details).toEqual([
        expect.objectContaining({ field: 'newPassword', constraint: 'notPersonal' }),
      ]);
      expect(transactions.opened).toBe(opened);
    });
  });
});
