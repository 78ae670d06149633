import { createHmac } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Environment } from '@registry/config';

/**
 * The pseudonym a sponsor receives for a participant referred to one of its trials: HMAC-SHA256, under the
 * server's REFERRAL_TOKEN_KEY, of the trial id and the registry id. The same person and trial always give
 * the same token, so the sponsor can match the person its site randomises to the referral; without the key
 * a token cannot be traced back to a registry id (nor a guessed registry id checked against it), and two
 * trials' tokens of one person cannot be linked. During a key rotation the token under the previous key is
 * given too (docs/PRIVACY.md, "Referral tokens").
 */
@Injectable()
export class ReferralTokens {
  private readonly key: string;
  private readonly previousKey: string | null;

  constructor(@Inject(Environment) config: Environment) {
    // loadConfig refuses a missing key; this guards an Environment built by hand.
    if (!config.REFERRAL_TOKEN_KEY) throw new Error('REFERRAL_TOKEN_KEY is required');
    this.key = config.REFERRAL_TOKEN_KEY;
    this.previousKey = config.REFERRAL_TOKEN_PREVIOUS_KEY ?? null;
  }

  token(participantId: string, trialId: string): string {
    return tokenUnder(this.key, participantId, trialId);
  }

  /** The token under the key in force before the last rotation; null outside a rotation. */
  previousToken(participantId: string, trialId: string): string | null {
    return this.previousKey === null ? null : tokenUnder(this.previousKey, participantId, trialId);
  }
}

/** The trial id first, then the registry id, separated by a character neither can hold. */
function tokenUnder(key: string, participantId: string, trialId: string): string {
  return createHmac('sha256', key).update(`${trialId}\n${participantId}`).digest('hex');
}
