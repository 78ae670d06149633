import { JwtService } from '@nestjs/jwt';
import { Environment } from '@registry/config';
import { Role } from '@registry/domain';
import { FixedClock } from '@registry/platform';
import { FAKE_TX, FakeSessionRepository, FakeUserRepository } from '../../../../test/fakes';
import { hashRefreshToken, TokenService } from './token.service';

const SECRET = 'unit-test-access-secret-'.padEnd(48, 'x');
const SESSION = '6f1c2a4e-8d3b-4c5f-9a7e-1b2c3d4e5f60';
const NOON = '2026-03-02T12:00:00Z';
const noonSeconds = Date.parse(NOON) / 1000;

function setUp() {
  const config = Object.assign(new Environment(), {
    JWT_ACCESS_SECRET: SECRET,
    ACCESS_TOKEN_TTL_SECONDS: 900,
    REFRESH_TOKEN_TTL_DAYS: 14,
  });
  const clock = new FixedClock(NOON);
  const jwt = new JwtService({});
  const sessions = new FakeSessionRepository(new FakeUserRepository());
  const tokens = new TokenService(jwt, sessions, config, clock);
  const user = { id: 'user-1', role: Role.Coordinator };
  /** A token signed with the right secret but with claims of the test's choosing. */
  const forge = (claims: object) => jwt.signAsync(claims, { secret: SECRET, algorithm: 'HS256' });
  return { tokens, sessions, clock, user, forge, jwt };
}

describe('TokenService', () => {
  describe('issuing tokens', () => {
    it('binds the access token to its session, with an expiry counted by the injected clock', async () => {
      const { tokens, user } = setUp();
      const issued = await tokens.issue(FAKE_TX, user, SESSION);

      const claims = await tokens.verifyAccessToken(issued.accessToken);
      expect(claims).toMatchObject({ sub: 'user-1', role: Role.Coordinator, typ: 'access', sid: SESSION });
      expect(claims).toMatchObject({ iat: noonSeconds, exp: noonSeconds + 900 });
      expect(issued).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    });

    it('opens a new session at log-in (no family given)', async () => {
      const { tokens, user } = setUp();
      const first = await tokens.verifyAccessToken((await tokens.issue(FAKE_TX, user)).accessToken);
      const second = await tokens.verifyAccessToken((await tokens.issue(FAKE_TX, user)).accessToken);
      expect(first?.sid).toMatch(/^[0-9a-f-]{36}$/);
      expect(second?.sid).not.toBe(first?.sid);
    });

    it('stores only the SHA-256 of the refresh token, in the session, expiring after the configured days', async () => {
      const { tokens, sessions, user } = setUp();
      const issued = await tokens.issue(FAKE_TX, user, SESSION);

      expect(sessions.tokens).toEqual([
        expect.objectContaining({
          userId: 'user-1',
          familyId: SESSION,
          tokenHash: hashRefreshToken(issued.refreshToken),
          expiresAt: new Date('2026-03-16T12:00:00Z'),
        }),
      ]);
      expect(JSON.stringify(sessions.tokens)).not.toContain(issued.refreshToken);
      expect(issued.refreshTokenExpiresAt).toBe('2026-03-16T12:00:00.000Z');
    });
  });

  describe('checking an access token', () => {
    it('accepts it until the last second before its expiry, and refuses it from then on, by the injected clock', async () => {
      const { tokens, clock, user } = setUp();
      const { accessToken } = await tokens.issue(FAKE_TX, user, SESSION);

      clock.set('2026-03-02T12:14:59Z');
      expect(await tokens.verifyAccessToken(accessToken)).toBeDefined();
      clock.set('2026-03-02T12:15:00Z');
      expect(await tokens.verifyAccessToken(accessToken)).toBeUndefined();
    });

    it('refuses a token without an expiry, even when correctly signed (it would never die)', async () => {
      const { tokens, forge } = setUp();
      const token = await forge({ sub: 'user-1', role: Role.Admin, typ: 'access', sid: SESSION });
      expect(await tokens.verifyAccessToken(token)).toBeUndefined();
    });

    it('refuses a token without a session, or with a session that is not a UUID', async () => {
      const { tokens, forge } = setUp();
      const exp = noonSeconds + 60;
      expect(await tokens.verifyAccessToken(await forge({ sub: 'u', typ: 'access', exp }))).toBeUndefined();
      expect(
        await tokens.verifyAccessToken(await forge({ sub: 'u', typ: 'access', sid: "1' OR 1=1", exp })),
      ).toBeUndefined();
    });

    it('refuses a token of another type', async () => {
      const { tokens, forge } = setUp();
      const token = await forge({ sub: 'u', typ: 'refresh', sid: SESSION, exp: noonSeconds + 60 });
      expect(await tokens.verifyAccessToken(token)).toBeUndefined();
    });

    it('refuses a token signed with another secret', async () => {
      const { tokens, jwt } = setUp();
      const token = await jwt.signAsync(
        { sub: 'u', typ: 'access', sid: SESSION, exp: noonSeconds + 60 },
        { secret: 'another-secret-'.padEnd(48, 'y'), algorithm: 'HS256' },
      );
      expect(await tokens.verifyAccessToken(token)).toBeUndefined();
    });

    it('refuses what is not a token at all', async () => {
      const { tokens } = setUp();
      expect(await tokens.verifyAccessToken('not.a.token')).toBeUndefined();
    });
  });
});
