import type { PasswordHasher } from '../../apps/api/src/auth/password-hasher';

/** A readable stand-in for argon2id, fast enough for unit tests; it never matches without a hash. */
export class FakePasswordHasher implements PasswordHasher {
  /** The hashes asked to verify, in order (undefined: no account). */
  readonly verified: (string | undefined)[] = [];

  hash(password: string): Promise<string> {
    return Promise.resolve(`hashed:${password}`);
  }

  verify(hash: string | undefined, password: string): Promise<boolean> {
    this.verified.push(hash);
    return Promise.resolve(hash !== undefined && hash === `hashed:${password}`);
  }
}
