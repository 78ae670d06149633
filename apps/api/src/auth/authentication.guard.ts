import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role } from '@registry/domain';
import { SessionRepository, Transactions } from '@registry/persistence';
import { requestContext } from '@registry/platform';
import { mayCallRoute } from './access-policy';
import { forbidden, unauthenticated } from './auth.errors';
import type { Actor } from './actor';
import { ALLOWED_ROLES, AuthenticatedRequest, PUBLIC_ROUTE } from './decorators';
import { TokenService } from './token.service';

/**
 * The one place that decides who may call a route: a valid access token of an active user, in a session that
 * is not revoked, whose role the route allows. User and session are read from the database on every request,
 * so deactivation, role changes, log-out and password changes take effect at once. The role check and the
 * services' data scoping (own sites) both ask the access policy (`access-policy.ts`).
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
    private readonly transactions: Transactions,
    private readonly sessions: SessionRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const user = await this.authenticate(request);
    // Secure by default: a route that names no roles is open to none.
    const allowed = this.reflector.getAllAndOverride<Role[] | undefined>(ALLOWED_ROLES, targets);
    if (!mayCallRoute(user.role, allowed)) throw forbidden();
    return true;
  }

  /**
   * Checks the bearer token, its session and its user, and sets `request.actor`; throws unauthenticated. Also
   * used by the routes mounted outside Nest's router (the queue dashboard), which then check the role.
   */
  async authenticate(request: AuthenticatedRequest): Promise<Actor> {
    const [scheme, token] = (request.header('authorization') ?? '').split(' ');
    if (scheme !== 'Bearer' || !token) throw unauthenticated();
    const claims = await this.tokens.verifyAccessToken(token);
    if (!claims) throw unauthenticated();

    const user = await this.transactions.read((tx) =>
      this.sessions.activeUserOfOpenSession(tx, claims.sub, claims.sid),
    );
    if (!user) throw unauthenticated();

    request.actor = {
      userId: user.id,
      role: user.role,
      email: user.email,
      displayName: user.displayName,
      siteIds: (user.sites ?? []).filter((site) => site.active).map((site) => site.id),
      sponsorOrganisationId: user.sponsorOrganisationId,
      sessionId: claims.sid,
    };
    const store = requestContext.current();
    if (store) store.actor = { userId: user.id, role: user.role };
    return request.actor;
  }
}
