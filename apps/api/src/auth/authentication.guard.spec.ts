import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { Environment } from '@registry/config';
import { Role } from '@registry/domain';
import { ErrorKind, FixedClock, requestContext, RequestContext } from '@registry/platform';
import {
  FAKE_TX,
  FakeSessionRepository,
  FakeTransactions,
  FakeUserRepository,
  refusal,
} from '../../../../test/fakes';
import { AuthenticationGuard } from './authentication.guard';
import { AuthenticatedRequest, Public, Roles } from './decorators';
import { TokenService } from './token.service';

class Routes {
  @Public()
  health(): void {}

  @Roles(Role.Coordinator, Role.Monitor)
  participants(): void {}

  @Roles(Role.Admin)
  users(): void {}

  /** A route whose author forgot to say who may call it. */
  forgotten(): void {}
}

function setUp() {
  const config = Object.assign(new Environment(), {
    JWT_ACCESS_SECRET: 'unit-test-access-secret-'.padEnd(48, 'x'),
  });
  const clock = new FixedClock('2026-03-02T12:00:00Z');
  const users = new FakeUserRepository();
  const sessions = new FakeSessionRepository(users);
  const tokens = new TokenService(new JwtService({}), sessions, config, clock);
  const guard = new AuthenticationGuard(new Reflector(), tokens, new FakeTransactions(), sessions);
  users.addSite('site-open');
  users.addSite('site-closed', false);
  const carol = users.add({
    email: 'carol@site.test',
    displayName: 'Carol',
    role: Role.Coordinator,
    sites: [users.sites.get('site-open')!, users.sites.get('site-closed')!],
  });
  /** Logs carol in: a bearer header of a new session. */
  const logIn = async () => {
    const { accessToken, refreshToken } = await tokens.issue(FAKE_TX, carol);
    const claims = await tokens.verifyAccessToken(accessToken);
    return { authorization: `Bearer ${accessToken}`, sessionId: claims!.sid, refreshToken };
  };
  return { guard, users, sessions, clock, carol, logIn };
}

function call(route: keyof Routes, authorization?: string) {
  const request = {
    header: (name: string) => (name.toLowerCase() === 'authorization' ? authorization : undefined),
  } as AuthenticatedRequest;
  const context = {
    getHandler: () => Routes.prototype[route],
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
  return { context, request };
}

describe('AuthenticationGuard', () => {
  it('lets anyone call a public route, without a token', async () => {
    const { guard } = setUp();
    await expect(guard.canActivate(call('health').context)).resolves.toBe(true);
  });

  it.each([
    ['no authorization header', undefined],
    ['another scheme', 'Basic Y2Fyb2w6c2VjcmV0'],
    ['a bearer without a token', 'Bearer '],
    ['a token that is not valid', 'Bearer not.a.token'],
  ])('refuses %s with 401', async (_case, authorization) => {
    const { guard } = setUp();
    const error = await refusal(guard.canActivate(call('participants', authorization).context));
    expect(error).toMatchObject({ kind: ErrorKind.Unauthenticated, code: 'auth.unauthenticated' });
  });

  it('makes the caller the actor of the request, with only the sites that are active, and of its session', async () => {
    const { guard, carol, logIn } = setUp();
    const { authorization, sessionId } = await logIn();
    const { context, request } = call('participants', authorization);

    await expect(guard.canActivate(context)).resolves.toBe(true);
    expect(request.actor).toEqual({
      userId: carol.id,
      role: Role.Coordinator,
      email: 'carol@site.test',
      displayName: 'Carol',
      siteIds: ['site-open'],
      sponsorOrganisationId: null,
      sessionId,
    });
  });

  it('names the caller in the request context, for the logs and the audit trail', async () => {
    const { guard, carol, logIn } = setUp();
    const { authorization } = await logIn();
    const store: RequestContext = { requestId: 'request-1' };

    await requestContext.run(store, () => guard.canActivate(call('participants', authorization).context));
    expect(store.actor).toEqual({ userId: carol.id, role: Role.Coordinator });
  });

  it('refuses a valid token at once when its session has ended (logged out, or a stolen token detected)', async () => {
    const { guard, sessions, logIn } = setUp();
    const { authorization, sessionId } = await logIn();
    await sessions.revokeFamily(FAKE_TX, sessionId, new Date('2026-03-02T12:01:00Z'));

    const error = await refusal(guard.canActivate(call('participants', authorization).context));
    expect(error.code).toBe('auth.unauthenticated');
  });

  it('refuses a valid token at once when the account has been deactivated', async () => {
    const { guard, users, carol, logIn } = setUp();
    const { authorization } = await logIn();
    users.rows.set(carol.id, { ...carol, active: false });

    const error = await refusal(guard.canActivate(call('participants', authorization).context));
    expect(error.code).toBe('auth.unauthenticated');
  });

  it('takes a role change into account on the next request, without a new token', async () => {
    const { guard, users, carol, logIn } = setUp();
    const { authorization } = await logIn();
    users.rows.set(carol.id, { ...carol, role: Role.Admin, sites: [] });

    await expect(guard.canActivate(call('users', authorization).context)).resolves.toBe(true);
  });

  it('refuses with 403 a route whose roles do not include the caller’s', async () => {
    const { guard, logIn } = setUp();
    const { authorization } = await logIn();
    const error = await refusal(guard.canActivate(call('users', authorization).context));
    expect(error).toMatchObject({ kind: ErrorKind.Forbidden, code: 'auth.forbidden' });
  });

  it('refuses every role a route that names none (secure by default)', async () => {
    const { guard, logIn } = setUp();
    const { authorization } = await logIn();
    const error = await refusal(guard.canActivate(call('forgotten', authorization).context));
    expect(error.code).toBe('auth.forbidden');
  });
});
