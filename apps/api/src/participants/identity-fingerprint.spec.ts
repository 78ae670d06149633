import { identityFingerprint } from './identity-fingerprint';

describe('identityFingerprint', () => {
  const key = 'k'.repeat(40);

  it('matches the same person written differently', () => {
    expect(identityFingerprint(key, 'Tanaka', 'Yuki', '1958-04-01')).toBe(
      identityFingerprint(key, ' TANAKA ', 'yuki', '1958-04-01'),
    );
    expect(identityFingerprint(key, '田中', '由紀', '1958-04-01')).toBe(
      identityFingerprint(key, '田中', '由　紀', '1958-04-01'),
    );
    expect(identityFingerprint(key, "O'Brien", 'Anne-Marie', '1960-01-01')).toBe(
      identityFingerprint(key, 'OBrien', 'Anne Marie', '1960-01-01'),
    );
  });

  it('differs for another birth date or another key', () => {
    expect(identityFingerprint(key, 'Tanaka', 'Yuki', '1958-04-01')).not.toBe(
      identityFingerprint(key, 'Tanaka', 'Yuki', '1958-04-02'),
    );
    expect(identityFingerprint(key, 'Tanaka', 'Yuki', '1958-04-01')).not.toBe(
      identityFingerprint('x'.repeat(40), 'Tanaka', 'Yuki', '1958-04-01'),
    );
  });
});
