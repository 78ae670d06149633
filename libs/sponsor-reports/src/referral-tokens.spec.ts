import { createHash, createHmac } from 'node:crypto';
import { Environment } from '@registry/config';
import { ReferralTokens } from './referral-tokens';

const KEY = 'k'.repeat(40);
const OTHER_KEY = 'o'.repeat(40);
const PERSON = 'TKY-000123-K';
const TRIAL_A = '6f0c1c8e-3f57-4a43-9a55-2d3b9b0c1a01';
const TRIAL_B = '6f0c1c8e-3f57-4a43-9a55-2d3b9b0c1a02';

const tokensWith = (fields: Partial<Environment>) =>
  new ReferralTokens(Object.assign(new Environment(), { REFERRAL_TOKEN_KEY: KEY, ...fields }));

describe('per-trial referral tokens', () => {
  it('are stable for one person and trial, and differ between trials and between people', () => {
    const tokens = tokensWith({});
    expect(tokens.token(PERSON, TRIAL_A)).toBe(tokens.token(PERSON, TRIAL_A));
    expect(tokensWith({}).token(PERSON, TRIAL_A)).toBe(tokens.token(PERSON, TRIAL_A));
    expect(tokens.token(PERSON, TRIAL_A)).not.toBe(tokens.token(PERSON, TRIAL_B));
    expect(tokens.token(PERSON, TRIAL_A)).not.toBe(tokens.token('TKY-000124-M', TRIAL_A));
    expect(tokens.token(PERSON, TRIAL_A)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('are an HMAC under the secret: without it, neither a plain hash of the ids nor another key gives them', () => {
    const token = tokensWith({}).token(PERSON, TRIAL_A);
    expect(token).toBe(createHmac('sha256', KEY).update(`${TRIAL_A}\n${PERSON}`).digest('hex'));
    // Someone guessing registry ids cannot check a guess without the key.
    for (const guess of [`${TRIAL_A}\n${PERSON}`, `${PERSON}\n${TRIAL_A}`, PERSON, `${TRIAL_A}${PERSON}`])
      expect(createHash('sha256').update(guess).digest('hex')).not.toBe(token);
    expect(tokensWith({ REFERRAL_TOKEN_KEY: OTHER_KEY }).token(PERSON, TRIAL_A)).not.toBe(token);
    // Nothing of the registry id shows in the token.
    expect(token).not.toContain('000123');
  });

  it('give the token under the previous key during a rotation only', () => {
    expect(tokensWith({}).previousToken(PERSON, TRIAL_A)).toBeNull();
    const rotating = tokensWith({ REFERRAL_TOKEN_KEY: OTHER_KEY, REFERRAL_TOKEN_PREVIOUS_KEY: KEY });
    expect(rotating.previousToken(PERSON, TRIAL_A)).toBe(tokensWith({}).token(PERSON, TRIAL_A));
    expect(rotating.token(PERSON, TRIAL_A)).not.toBe(rotating.previousToken(PERSON, TRIAL_A));
  });

  it('refuse to work without a key', () => {
    expect(() => tokensWith({ REFERRAL_TOKEN_KEY: '' })).toThrow(/REFERRAL_TOKEN_KEY/);
  });
});
