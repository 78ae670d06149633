import { openSecret, sealSecret } from './secret-box';

describe('sealed secrets', () => {
  const key = 'k'.repeat(40);

  it('opens what it sealed, and seals the same text differently each time', () => {
    const sealed = sealSecret('whsec_abc', key);
    expect(openSecret(sealed, key)).toBe('whsec_abc');
    expect(sealSecret('whsec_abc', key)).not.toBe(sealed);
    expect(sealed).not.toContain('whsec_abc');
  });

  it('refuses another key and a changed byte', () => {
    const sealed = sealSecret('whsec_abc', key);
    expect(() => openSecret(sealed, 'x'.repeat(40))).toThrow();
    const parts = sealed.split('.');
    const flipped = Buffer.from(parts[3], 'base64url');
    flipped[0] ^= 1;
    parts[3] = flipped.toString('base64url');
    expect(() => openSecret(parts.join('.'), key)).toThrow();
  });
});
