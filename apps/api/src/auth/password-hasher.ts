import { Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';

// OWASP Password Storage Cheat Sheet (2024), argon2id: m = 19 MiB, t = 2, p = 1.
const OPTIONS = { type: argon2.argon2id, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 } as const;

/** Hashes and checks passwords. Abstract, so that unit tests can provide a fast fake; the API gets argon2id. */
export abstract class PasswordHasher {
  abstract hash(password: string): Promise<string>;

  /** Whether the password matches; with no hash (no such account) it never does, and takes as long. */
  abstract verify(hash: string | undefined, password: string): Promise<boolean>;
}

@Injectable()
export class Argon2PasswordHasher extends PasswordHasher {
  // Verifying unknown e-mail addresses against this keeps their timing the same as a real account's.
  private readonly dummyHash = argon2.hash('not-a-real-password-for-timing-only', OPTIONS);

  hash(password: string): Promise<string> {
    return argon2.hash(password, OPTIONS);
  }

  async verify(hash: string | undefined, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash ?? (await this.dummyHash), password);
    } catch {
      return false;
    }
  }
}
