import { createHmac } from 'node:crypto';

// A label of its own, so that this hash can never be compared with an identity fingerprint made with the same key.
const DERIVATION_LABEL = 'trialready/audit/unknown-login-email/v1';

/**
 * What the trail keeps of the address of a failed log-in that matches no account: a keyed hash of the
 * lower-cased address, never the address (a mistyped address is often someone's real one). Repeated attempts
 * on one address show as one value; without the key nobody can test guesses against it. The key is derived
 * from IDENTITY_FINGERPRINT_KEY, the installation's pseudonymisation key, which is rotated rarely, so that
 * values stay comparable over time (docs/SECURITY.md).
 */
export function unknownLoginEmailHash(pseudonymisationKey: string, email: string): string {
  const key = createHmac('sha256', pseudonymisationKey).update(DERIVATION_LABEL).digest();
  return `hmac-sha256:${createHmac('sha256', key).update(email.trim().toLowerCase()).digest('hex')}`;
}
