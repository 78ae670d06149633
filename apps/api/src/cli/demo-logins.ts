import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSource } from 'typeorm';
import { DEMO_USERS, ensureDemoIdentity } from './demo-data';

/**
 * The demo's one password lives only here, per installation: generated on the first demo seed, written with
 * the demo users' e-mails to this file (owner-only), and read back by later seeds and the README walkthrough.
 */
export const DEMO_LOGINS_FILE = '.run/demo-logins.txt';

// The README reads the password with `awk '$1 == "password" { print $2 }'`: keep this line's shape.
const PASSWORD_LINE = /^\s*password\s+(\S+)\s*$/m;

/** 18 random bytes, base64url: 24 characters, safe in a shell variable and a JSON string. */
export function generateDemoPassword(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * The password written by an earlier seed, or undefined when the file is absent or holds no password line
 * (a file written before passwords were generated per installation listed the published one: not reused).
 */
export function readDemoPassword(path: string = DEMO_LOGINS_FILE): string | undefined {
  if (!existsSync(path)) return undefined;
  return PASSWORD_LINE.exec(readFileSync(path, 'utf8'))?.[1];
}

/** Writes the demo log-ins (password and each user's role and e-mail), readable by the owner only. */
export function writeDemoLogins(
  password: string,
  users: readonly { role: string; email: string }[],
  path: string = DEMO_LOGINS_FILE,
): void {
  mkdirSync(dirname(path), { recursive: true });
  const text = [
    '',
    "  Demo log-ins (this installation's password, the same for every demo user):",
    `    password     ${password}`,
    ...users.map((u) => `    ${u.role.padEnd(12)} ${u.email}`),
    '',
  ].join('\n');
  // `mode` applies only to a new file: an older one, which may be readable by others, is narrowed before the
  // new password goes into it.
  if (existsSync(path)) chmodSync(path, 0o600);
  writeFileSync(path, text + '\n', { mode: 0o600 });
}

/**
 * The demo sites, sponsor and users with this installation's password, and the log-ins file. The password is
 * read back from `path` when an earlier run wrote it; otherwise (first run, file deleted, or a file from
 * before passwords were generated) a new one is generated, given to the demo users that already exist, and
 * written to `path`.
 */
export async function ensureDemoIdentityWithLogins(
  dataSource: DataSource,
  path: string = DEMO_LOGINS_FILE,
): Promise<Awaited<ReturnType<typeof ensureDemoIdentity>> & { passwordGenerated: boolean }> {
  const storedPassword = readDemoPassword(path);
  const password = storedPassword ?? generateDemoPassword();
  const identity = await ensureDemoIdentity(dataSource, {
    password,
    resetExistingPasswords: storedPassword === undefined,
  });
  // Written after the users have the password, so a failed run never leaves a password they do not have.
  writeDemoLogins(password, DEMO_USERS, path);
  return { ...identity, passwordGenerated: storedPassword === undefined };
}
