import { Injectable } from '@nestjs/common';
import { IsNull, Not } from 'typeorm';
import { RefreshTokenEntity } from '../entities/refresh-token.entity';
import { UserEntity } from '../entities/user.entity';
import type { Tx } from './transactions';

export interface NewRefreshToken {
  userId: string;
  /** The session: every token rotated from one log-in shares it. */
  familyId: string;
  /** SHA-256 of the token; the token itself is never stored. */
  tokenHash: string;
  expiresAt: Date;
}

/**
 * Sessions: the refresh tokens of each log-in (refresh_token), one family per session. A session is open
 * while its family has a token that is not revoked; revoking is never undone.
 */
@Injectable()
export class SessionRepository {
  async insert(tx: Tx, token: NewRefreshToken): Promise<void> {
    await tx.insert(RefreshTokenEntity, token);
  }

  /** The token with this hash, or null; `forUpdate` locks it so that two rotations of one token are serialised. */
  findByTokenHash(tx: Tx, tokenHash: string, forUpdate = false): Promise<RefreshTokenEntity | null> {
    return tx.findOne(RefreshTokenEntity, {
      where: { tokenHash },
      lock: forUpdate ? { mode: 'pessimistic_write' } : undefined,
    });
  }

  /** Spends a token: presenting it again is a reuse. */
  async markUsed(tx: Tx, tokenId: string, at: Date): Promise<void> {
    await tx.update(RefreshTokenEntity, tokenId, { usedAt: at });
  }

  /** Ends one session: every token of the family not revoked yet. */
  async revokeFamily(tx: Tx, familyId: string, at: Date): Promise<void> {
    await tx.update(RefreshTokenEntity, { familyId, revokedAt: IsNull() }, { revokedAt: at });
  }

  /** Ends every session of a user. */
  async revokeAllOf(tx: Tx, userId: string, at: Date): Promise<void> {
    await tx.update(RefreshTokenEntity, { userId, revokedAt: IsNull() }, { revokedAt: at });
  }

  /** Ends every session of a user but one (the one that asked). */
  async revokeAllOfExcept(tx: Tx, userId: string, keptFamilyId: string, at: Date): Promise<void> {
    await tx.update(
      RefreshTokenEntity,
      { userId, familyId: Not(keptFamilyId), revokedAt: IsNull() },
      { revokedAt: at },
    );
  }

  /**
   * The active user of an open session, with their sites, or null: one statement for both, so that a token
   * of a logged-out, superseded or stolen session (its family revoked) stops working at no extra round trip.
   */
  activeUserOfOpenSession(tx: Tx, userId: string, sessionId: string): Promise<UserEntity | null> {
    return tx
      .getRepository(UserEntity)
      .createQueryBuilder('account')
      .leftJoinAndSelect('account.sites', 'site')
      .where('account.id = :userId AND account.active', { userId })
      .andWhere(
        `EXISTS (SELECT 1 FROM refresh_token token
                  WHERE token.family_id = :sessionId AND token.user_id = account.id AND token.revoked_at IS NULL)`,
        { sessionId },
      )
      .getOne();
  }
}
