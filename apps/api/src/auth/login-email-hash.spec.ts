import { createHmac } from 'node:crypto';
import { unknownLoginEmailHash } from './login-email-hash';

const KEY = 'k'.repeat(40);

describe('the hash kept of an unknown log-in address', () => {
  it('is the same for one address whatever its case, and differs between addresses', () => {
    const hash = unknownLoginEmailHash(KEY, 'Nobody@Registry.test');
    expect(hash).toBe(unknownLoginEmailHash(KEY, 'nobody@registry.test'));
    expect(hash).not.toBe(unknownLoginEmailHash(KEY, 'nobody2@registry.test'));
    expect(hash).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
  });

  it('cannot be recomputed without the key', () => {
    expect(unknownLoginEmailHash(KEY, 'nobody@registry.test')).not.toBe(
      unknownLoginEmailHash('another key of forty characters, 0123456', 'nobody@registry.test'),
    );
  });

  it('uses a key derived for this use alone, not the fingerprint key itself', () => {
    const underFingerprintKey = createHmac('sha256', KEY).update('nobody@registry.test').digest('hex');
    expect(unknownLoginEmailHash(KEY, 'nobody@registry.test')).not.toContain(underFingerprintKey);
  });
});
