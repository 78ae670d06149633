import type {
  NewRefreshToken,
  RefreshTokenEntity,
  SessionRepository,
  Tx,
  UserEntity,
} from '@registry/persistence';
import { fakeId, Public } from './public';
import type { FakeUserRepository } from './user.repository.fake';

/** Refresh tokens in memory; a session is open while its family has a token not revoked. */
export class FakeSessionRepository implements Public<SessionRepository> {
  readonly tokens: RefreshTokenEntity[] = [];
  /** Token hashes read with a row lock, in order. */
  readonly locked: string[] = [];

  /** The accounts, for the one read that joins them (the user of a session). */
  constructor(private readonly users: FakeUserRepository) {}

  insert(_tx: Tx, token: NewRefreshToken): Promise<void> {
    if (this.tokens.some((t) => t.tokenHash === token.tokenHash))
      return Promise.reject(
        new Error('duplicate key value violates unique constraint "refresh_token_hash_key"'),
      );
    this.tokens.push({
      id: fakeId(),
      usedAt: null,
      revokedAt: null,
      createdAt: new Date(0),
      ...token,
    });
    return Promise.resolve();
  }

  findByTokenHash(_tx: Tx, tokenHash: string, forUpdate = false): Promise<RefreshTokenEntity | null> {
    if (forUpdate) this.locked.push(tokenHash);
    const token = this.tokens.find((t) => t.tokenHash === tokenHash);
    return Promise.resolve(token ? { ...token } : null);
  }

  markUsed(_tx: Tx, tokenId: string, at: Date): Promise<void> {
    for (const token of this.tokens) if (token.id === tokenId) token.usedAt = at;
    return Promise.resolve();
  }

  revokeFamily(_tx: Tx, familyId: string, at: Date): Promise<void> {
    return this.revokeWhere((t) => t.familyId === familyId, at);
  }

  revokeAllOf(_tx: Tx, userId: string, at: Date): Promise<void> {
    return this.revokeWhere((t) => t.userId === userId, at);
  }

  revokeAllOfExcept(_tx: Tx, userId: string, keptFamilyId: string, at: Date): Promise<void> {
    return this.revokeWhere((t) => t.userId === userId && t.familyId !== keptFamilyId, at);
  }

  activeUserOfOpenSession(_tx: Tx, userId: string, sessionId: string): Promise<UserEntity | null> {
    const user = this.users.rows.get(userId);
    const open = this.tokens.some((t) => t.familyId === sessionId && t.userId === userId && !t.revokedAt);
    return Promise.resolve(user?.active && open ? user : null);
  }

  /** The sessions (families) of a user that are still open. */
  openSessionsOf(userId: string): string[] {
    const open = this.tokens.filter((t) => t.userId === userId && !t.revokedAt).map((t) => t.familyId);
    return [...new Set(open)];
  }

  private revokeWhere(matches: (token: RefreshTokenEntity) => boolean, at: Date): Promise<void> {
    for (const token of this.tokens) if (matches(token) && !token.revokedAt) token.revokedAt = at;
    return Promise.resolve();
  }
}
