import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_USERS } from '../../apps/api/src/cli/demo-data';
import { ensureDemoIdentityWithLogins, readDemoPassword } from '../../apps/api/src/cli/demo-logins';
import { createTestSystem, startApi, TestApi, TestSystem } from '../support/harness';

// The demo seed's users and their password, generated per installation (apps/api/src/cli/demo-logins.ts).
describe('demo log-ins', () => {
  let system: TestSystem;
  let api: TestApi;
  let directory: string;
  let loginsFile: string;

  beforeAll(async () => {
    system = await createTestSystem({ LOGIN_RATE_LIMIT_PER_MINUTE: '1000' });
    api = await startApi(system.config);
    directory = mkdtempSync(join(tmpdir(), 'trialready-demo-'));
    loginsFile = join(directory, '.run', 'demo-logins.txt');
  });

  afterAll(async () => {
    rmSync(directory, { recursive: true, force: true });
    await api?.close();
    await system?.shutdown();
  });

  const logInStatus = async (email: string, password: string): Promise<number> =>
    (await api.http().post('/api/v1/auth/login').send({ email, password })).status;
  const passwordHashes = async (): Promise<string[]> =>
    (
      await api.dataSource.query<{ password_hash: string }[]>(
        `SELECT password_hash FROM app_user WHERE email = ANY($1) ORDER BY email`,
        [DEMO_USERS.map((u) => u.email)],
      )
    ).map((row) => row.password_hash);

  it('generates the password on the first run and writes it only to the log-ins file, mode 0600', async () => {
    const first = await ensureDemoIdentityWithLogins(api.dataSource, loginsFile);
    expect(first.passwordGenerated).toBe(true);
    expect(statSync(loginsFile).mode & 0o777).toBe(0o600);
    const password = readDemoPassword(loginsFile)!;
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    // The README reads it this way: awk '$1 == "password" { print $2 }' .run/demo-logins.txt
    const lines = readFileSync(loginsFile, 'utf8').split('\n');
    expect(lines.filter((line) => line.trim().split(/\s+/)[0] === 'password')).toEqual([
      `    password     ${password}`,
    ]);
    for (const user of DEMO_USERS) {
      expect(lines.some((line) => line.endsWith(user.email))).toBe(true);
      expect(await logInStatus(user.email, password)).toBe(200);
    }
  });

  it('keeps the same password on a second run, without touching the users', async () => {
    const password = readDemoPassword(loginsFile)!;
    const hashes = await passwordHashes();
    const second = await ensureDemoIdentityWithLogins(api.dataSource, loginsFile);
    expect(second.passwordGenerated).toBe(false);
    expect(readDemoPassword(loginsFile)).toBe(password);
    expect(await passwordHashes()).toEqual(hashes);
    expect(await logInStatus('admin@demo.trialready.example', password)).toBe(200);
  });

  it('gives the demo users a new password, audited and ending their sessions, when the file is gone', async () => {
    const lost = readDemoPassword(loginsFile)!;
    unlinkSync(loginsFile);
    const third = await ensureDemoIdentityWithLogins(api.dataSource, loginsFile);
    expect(third.passwordGenerated).toBe(true);
    const renewed = readDemoPassword(loginsFile)!;
    expect(renewed).not.toBe(lost);
    expect(await logInStatus('admin@demo.trialready.example', lost)).toBe(401);
    // Sessions opened with the lost password end with it (the earlier tests logged the admin in).
    const [{ open }] = await api.dataSource.query<{ open: number }[]>(
      `SELECT count(*)::int AS open FROM refresh_token t JOIN app_user u ON u.id = t.user_id
        WHERE u.email = 'admin@demo.trialready.example' AND t.revoked_at IS NULL`,
    );
    expect(open).toBe(0);
    expect(await logInStatus('admin@demo.trialready.example', renewed)).toBe(200);
    const [{ resets }] = await api.dataSource.query<{ resets: number }[]>(
      `SELECT count(*)::int AS resets FROM audit_event a JOIN app_user u ON u.id::text = a.entity_id
        WHERE a.action = 'user.password_reset' AND u.email = ANY($1)`,
      [DEMO_USERS.map((u) => u.email)],
    );
    expect(resets).toBe(DEMO_USERS.length);
  });

  it('does not reuse the password of a log-ins file written before passwords were generated', async () => {
    // The old file's shape, which named one password published with the source.
    writeFileSync(loginsFile, '\n  Demo log-ins (password for all: "published"):\n    admin  admin@x\n');
    const fourth = await ensureDemoIdentityWithLogins(api.dataSource, loginsFile);
    expect(fourth.passwordGenerated).toBe(true);
    expect(await logInStatus('admin@demo.trialready.example', readDemoPassword(loginsFile)!)).toBe(200);
  });
});
