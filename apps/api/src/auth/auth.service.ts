import { Inject, Injectable } from '@nestjs/common';
import { Environment } from '@registry/config';
import { checkPasswordPolicy } from '@registry/domain';
import {
  AuditRepository,
  REDACTED,
  SessionRepository,
  Transactions,
  Tx,
  UserEntity,
  UserRepository,
} from '@registry/persistence';
import { Clock, DomainError, ErrorKind } from '@registry/platform';
import type { Actor } from './actor';
import { invalidRefreshToken, loginFailed } from './auth.errors';
import { unknownLoginEmailHash } from './login-email-hash';
import { PasswordHasher } from './password-hasher';
import { hashRefreshToken, IssuedTokens, TokenService } from './token.service';

@Injectable()
export class AuthService {
  constructor(
    private readonly transactions: Transactions,
    private readonly users: UserRepository,
    private readonly sessions: SessionRepository,
    private readonly audit: AuditRepository,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    @Inject(Environment) private readonly config: Environment,
    private readonly clock: Clock,
  ) {}

  /**
   * Checks the password, counts consecutive failures and locks the account after too many, all audited.
   * The failure paths commit their audit rows and counters before the 401 is thrown. Attempts per IP address
   * are limited before this runs (the log-in throttler, ClientThrottlerGuard).
   */
  async login(email: string, password: string): Promise<IssuedTokens> {
    const outcome = await this.transactions.run(async (tx) => {
      const user = await this.users.findByEmailForLogin(tx, email);
      const passwordMatches = await this.hasher.verify(user?.passwordHash, password);
      const failure = async (why: string) => {
        await this.audit.record(tx, {
          action: 'auth.login_failed',
          entityType: 'user',
          entityId: user?.id ?? null,
          // No account: keep a keyed hash of the address, never the address itself.
          changes: user
            ? []
            : [
                {
                  field: 'emailHash',
                  old: null,
                  new: unknownLoginEmailHash(this.config.IDENTITY_FINGERPRINT_KEY, email),
                },
              ],
          reason: why,
          actor: { userId: user?.id ?? null, role: user?.role ?? 'anonymous' },
        });
        return null;
      };

      if (!user) return failure('unknown e-mail');
      if (!user.active) return failure('account inactive');
      if (user.lockedUntil && user.lockedUntil > this.clock.now()) return failure('account locked');
      if (!passwordMatches) return this.countFailure(tx, user, failure);

      await this.users.recordLogin(tx, user.id, this.clock.now());
      await this.audit.record(tx, {
        action: 'auth.login_succeeded',
        entityType: 'user',
        entityId: user.id,
        actor: { userId: user.id, role: user.role },
      });
      return this.tokens.issue(tx, user);
    });
    if (!outcome) throw loginFailed();
    return outcome;
  }

  private async countFailure(
    tx: Tx,
    user: UserEntity,
    failure: (why: string) => Promise<null>,
  ): Promise<null> {
    const failedLoginCount = user.failedLoginCount + 1;
    const locks = failedLoginCount >= this.config.LOGIN_MAX_FAILED_ATTEMPTS;
    const lockedUntil = locks
      ? new Date(this.clock.now().getTime() + this.config.LOGIN_LOCK_SECONDS * 1000)
      : null;
    await this.users.recordFailedLogins(tx, user.id, locks ? 0 : failedLoginCount, lockedUntil);
    await failure('wrong password');
    if (locks) {
      await this.audit.record(tx, {
        action: 'auth.account_locked',
        entityType: 'user',
        entityId: user.id,
        changes: [{ field: 'lockedUntil', old: null, new: lockedUntil!.toISOString() }],
        reason: `${failedLoginCount} consecutive failed log-ins`,
        actor: { userId: null, role: 'system' },
      });
    }
    return null;
  }

  /**
   * Rotates a refresh token. Presenting one that was already used means it was copied: the whole family
   * (every token descended from that log-in) is revoked and the event audited.
   */
  async refresh(refreshToken: string): Promise<IssuedTokens> {
    const outcome = await this.transactions.run(async (tx) => {
      const stored = await this.sessions.findByTokenHash(tx, hashRefreshToken(refreshToken), true);
      if (!stored) return null;
      const user = await this.users.findById(tx, stored.userId);
      if (stored.usedAt || stored.revokedAt) {
        if (stored.usedAt && !stored.revokedAt) {
          await this.sessions.revokeFamily(tx, stored.familyId, this.clock.now());
          await this.audit.record(tx, {
            action: 'auth.refresh_token_reused',
            entityType: 'user',
            entityId: stored.userId,
            reason: 'a rotated refresh token was presented again; its family is revoked',
            actor: { userId: null, role: 'system' },
          });
        }
        return null;
      }
      if (stored.expiresAt <= this.clock.now() || !user?.active) return null;
      await this.sessions.markUsed(tx, stored.id, this.clock.now());
      return this.tokens.issue(tx, user, stored.familyId);
    });
    if (!outcome) throw invalidRefreshToken();
    return outcome;
  }

  /** Ends the session the refresh token belongs to (every token of its family). Unknown tokens are ignored. */
  async logout(refreshToken: string): Promise<void> {
    await this.transactions.run(async (tx) => {
      const stored = await this.sessions.findByTokenHash(tx, hashRefreshToken(refreshToken));
      if (!stored || stored.revokedAt) return;
      await this.sessions.revokeFamily(tx, stored.familyId, this.clock.now());
      await this.audit.record(tx, { action: 'auth.logout', entityType: 'user', entityId: stored.userId });
    });
  }

  async changePassword(actor: Actor, currentPassword: string, newPassword: string): Promise<void> {
    const problems = checkPasswordPolicy(newPassword, { email: actor.email });
    if (problems.length > 0) {
      throw new DomainError(
        ErrorKind.InvalidInput,
        'validation_failed',
        'The new password does not meet the password policy',
        problems.map((p) => ({ field: 'newPassword', ...p })),
      );
    }
    await this.transactions.run(async (tx) => {
      const user = await this.users.getById(tx, actor.userId);
      if (!(await this.hasher.verify(user.passwordHash, currentPassword))) {
        throw new DomainError(ErrorKind.InvalidInput, 'validation_failed', 'The current password is wrong', [
          { field: 'currentPassword', constraint: 'matches', message: 'currentPassword is wrong' },
        ]);
      }
      await this.users.setPasswordHash(tx, user.id, await this.hasher.hash(newPassword));
      // Other sessions end (whoever knew the old password keeps no token); the one that changed it goes on.
      await this.sessions.revokeAllOfExcept(tx, user.id, actor.sessionId, this.clock.now());
      await this.audit.record(tx, {
        action: 'user.password_changed',
        entityType: 'user',
        entityId: user.id,
        changes: [{ field: 'password', old: REDACTED, new: REDACTED }],
      });
    });
  }
}
