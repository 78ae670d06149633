import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Role } from '@registry/domain';
import type { Request } from 'express';
import type { Actor } from './actor';

export const PUBLIC_ROUTE = 'auth:public';
export const ALLOWED_ROLES = 'auth:roles';

/** Reachable without a token (health, log-in, token refresh). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** The roles that may call a route. Every non-public route must say; a route that does not is refused to all. */
export const Roles = (...roles: Role[]) => SetMetadata(ALLOWED_ROLES, roles);

export type AuthenticatedRequest = Request & { actor: Actor };

/** The authenticated caller (set by the authentication guard). */
export const CurrentActor = createParamDecorator(
  (_: unknown, context: ExecutionContext): Actor =>
    context.switchToHttp().getRequest<AuthenticatedRequest>().actor,
);
