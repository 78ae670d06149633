import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { Environment } from '@registry/config';
import { SessionRepository, Tx, UserEntity } from '@registry/persistence';
import { Clock } from '@registry/platform';
import { createHash, randomBytes, randomUUID } from 'node:crypto';

export interface AccessTokenClaims {
  sub: string;
  role: string;
  typ: 'access';
  /** The session: the refresh-token family the token was issued in. Revoking the family ends the session. */
  sid: string;
  exp: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface IssuedTokens {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
  refreshTokenExpiresAt: string;
}

const epochSeconds = (instant: Date): number => Math.floor(instant.getTime() / 1000);

export const hashRefreshToken = (token: string): string => createHash('sha256').update(token).digest('hex');

@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    private readonly sessions: SessionRepository,
    @Inject(Environment) private readonly config: Environment,
    private readonly clock: Clock,
  ) {}

  /** A short-lived access token and a new refresh token in `familyId` (a new family on log-in). */
  async issue(
    tx: Tx,
    user: Pick<UserEntity, 'id' | 'role'>,
    familyId: string = randomUUID(),
  ): Promise<IssuedTokens> {
    // exp is added by expiresIn, counted from iat: both by the injected clock, as is the check of exp.
    const now = this.clock.now();
    const claims: Omit<AccessTokenClaims, 'exp'> & { iat: number } = {
      iat: epochSeconds(now),
      sub: user.id,
      role: user.role,
      typ: 'access',
      sid: familyId,
    };
    const accessToken = await this.jwt.signAsync(claims, {
      secret: this.config.JWT_ACCESS_SECRET,
      algorithm: 'HS256',
      expiresIn: this.config.ACCESS_TOKEN_TTL_SECONDS,
      jwtid: randomUUID(),
    });
    const refreshToken = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + this.config.REFRESH_TOKEN_TTL_DAYS * 86400_000);
    await this.sessions.insert(tx, {
      userId: user.id,
      familyId,
      tokenHash: hashRefreshToken(refreshToken),
      expiresAt,
    });
    return {
      accessToken,
      tokenType: 'Bearer',
      expiresIn: this.config.ACCESS_TOKEN_TTL_SECONDS,
      refreshToken,
      refreshTokenExpiresAt: expiresAt.toISOString(),
    };
  }

  /** The claims of a valid access token; a token without an expiry or a session is refused (never lives forever). */
  async verifyAccessToken(token: string): Promise<AccessTokenClaims | undefined> {
    try {
      const claims = await this.jwt.verifyAsync<AccessTokenClaims>(token, {
        secret: this.config.JWT_ACCESS_SECRET,
        algorithms: ['HS256'],
        clockTimestamp: epochSeconds(this.clock.now()),
      });
      const wellFormed =
        claims.typ === 'access' && typeof claims.exp === 'number' && UUID.test(String(claims.sid));
      return wellFormed ? claims : undefined;
    } catch {
      return undefined;
    }
  }
}
