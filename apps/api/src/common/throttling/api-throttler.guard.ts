import { ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { createHash } from 'node:crypto';
import {
  ThrottlerGuard,
  ThrottlerLimitDetail,
  ThrottlerModuleOptions,
  ThrottlerRequest,
} from '@nestjs/throttler';
import { Environment } from '@registry/config';
import { DomainError, ErrorKind } from '@registry/platform';
import { tooManyAttempts } from '../../auth/auth.errors';
import type { AuthenticatedRequest } from '../../auth/decorators';

/** The limits every request passes, each counted in one-minute windows (see RedisThrottlerStorage). */
export enum Throttler {
  /** Every request, per client IP address (as `trust proxy` finds it: TRUST_PROXY). */
  Ip = 'ip',
  /** Every authenticated request, per user, whatever address it comes from. */
  User = 'user',
  /** Log-in attempts per client IP address (LOGIN_RATE_LIMIT_PER_MINUTE), on the routes marked @LoginAttempt(). */
  Login = 'login',
}

const LOGIN_ATTEMPT = 'throttle:login-attempt';

/** Counts the route's calls against the log-in limit per IP address. */
export const LoginAttempt = () => SetMetadata(LOGIN_ATTEMPT, true);

const MINUTE_MS = 60_000;

const isLoginAttempt = (context: ExecutionContext) =>
  Reflect.getMetadata(LOGIN_ATTEMPT, context.getHandler()) === true;

const actorOf = (context: ExecutionContext) =>
  context.switchToHttp().getRequest<Partial<AuthenticatedRequest>>().actor;

/**
 * One counter per throttler and client (address or user), whatever the route: @nestjs/throttler's default key
 * adds the controller and handler, which would give every route its own budget. Hashed, so that Redis holds
 * no address or user id in the clear.
 */
const perClient = (_context: ExecutionContext, tracker: string, throttler: string): string =>
  createHash('sha256').update(`${throttler}:${tracker}`).digest('hex');

/** The throttlers and their limits from the configuration; the storage is RedisThrottlerStorage. */
export function throttlerOptions(config: Environment): ThrottlerModuleOptions {
  return {
    throttlers: [
      {
        name: Throttler.Ip,
        ttl: MINUTE_MS,
        limit: config.RATE_LIMIT_PER_IP_PER_MINUTE,
        generateKey: perClient,
      },
      {
        name: Throttler.User,
        ttl: MINUTE_MS,
        limit: config.RATE_LIMIT_PER_USER_PER_MINUTE,
        // The authentication guard runs first and sets the actor; anonymous calls are counted per IP only.
        skipIf: (context) => actorOf(context) === undefined,
        getTracker: (_req, context) => actorOf(context)!.userId,
        generateKey: perClient,
      },
      {
        name: Throttler.Login,
        ttl: MINUTE_MS,
        limit: config.LOGIN_RATE_LIMIT_PER_MINUTE,
        skipIf: (context) => !isLoginAttempt(context),
        generateKey: perClient,
      },
    ],
    // Retry-After is set by the exception filter, from the refusal's meta; no X-RateLimit-* headers.
    setHeaders: false,
  };
}

/** What throwThrottlingException throws, caught by handleRequest, which knows the throttler's name. */
class Refusal extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('throttled');
  }
}

/**
 * @nestjs/throttler's guard, refusing with the API's own errors: 429 with the code `auth.rate_limited` past the
 * log-in limit and `rate_limited` past the others, and Retry-After in seconds (set by the exception filter).
 * Each subclass applies some of the throttlers, so that the limits run where they must: the client's before
 * authentication (a flood of bad tokens is an address's requests too, refused before any token is checked),
 * the user's after it (it needs the authenticated user).
 */
abstract class ApiThrottlerGuard extends ThrottlerGuard {
  protected abstract readonly applies: readonly Throttler[];

  override async onModuleInit(): Promise<void> {
    await super.onModuleInit();
    this.throttlers = this.throttlers.filter((throttler) =>
      this.applies.includes(throttler.name as Throttler),
    );
  }

  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    try {
      return await super.handleRequest(request);
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      if (request.throttler.name === (Throttler.Login as string))
        throw tooManyAttempts(error.retryAfterSeconds);
      throw new DomainError(
        ErrorKind.TooManyRequests,
        'rate_limited',
        `Too many requests ${request.throttler.name === (Throttler.User as string) ? 'from this user' : 'from this address'}; try again later`,
        undefined,
        { retryAfterSeconds: error.retryAfterSeconds },
      );
    }
  }

  protected override throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    return Promise.reject(new Refusal(Math.max(1, detail.timeToBlockExpire)));
  }
}

/** The limits per client address (every request, and log-in attempts): the first guard of every route. */
@Injectable()
export class ClientThrottlerGuard extends ApiThrottlerGuard {
  protected readonly applies = [Throttler.Ip, Throttler.Login];
}

/** The limit per user: after authentication, which names the user. */
@Injectable()
export class UserThrottlerGuard extends ApiThrottlerGuard {
  protected readonly applies = [Throttler.User];
}
