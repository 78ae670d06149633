import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSecretsInEnvFile } from './env-file-secrets';
import { loadConfig } from './load-config';
import { SECRET_VARIABLES } from './secrets';

/** The assignments of a .env text, as bash would leave them (a later line wins). */
function parseEnvFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) values[match[1]] = match[2];
  }
  return values;
}

const modeOf = (path: string): number => statSync(path).mode & 0o777;

describe('ensureSecretsInEnvFile (npm run up)', () => {
  let directory: string;
  let envFile: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'trialready-secrets-'));
    envFile = join(directory, '.env');
  });

  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('creates .env with mode 0600 and a random, distinct value for every secret', () => {
    const result = ensureSecretsInEnvFile(envFile);
    expect(result).toMatchObject({ created: true, generated: [...SECRET_VARIABLES] });
    expect(modeOf(envFile)).toBe(0o600);
    const values = parseEnvFile(readFileSync(envFile, 'utf8'));
    for (const name of SECRET_VARIABLES) expect(values[name]).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(new Set(SECRET_VARIABLES.map((name) => values[name])).size).toBe(SECRET_VARIABLES.length);

    // Another installation gets other values.
    const otherFile = join(directory, 'other.env');
    ensureSecretsInEnvFile(otherFile);
    const other = parseEnvFile(readFileSync(otherFile, 'utf8'));
    for (const name of SECRET_VARIABLES) expect(other[name]).not.toBe(values[name]);

    // What it writes is what the apps accept outside tests.
    expect(loadConfig({ ...values, NODE_ENV: 'production' }).JWT_ACCESS_SECRET).toBe(
      values.JWT_ACCESS_SECRET,
    );
  });

  it('changes nothing on a second run', () => {
    ensureSecretsInEnvFile(envFile);
    const before = readFileSync(envFile, 'utf8');
    const result = ensureSecretsInEnvFile(envFile);
    expect(result).toEqual({ created: false, generated: [], fromEnvironment: [], narrowed: false });
    expect(readFileSync(envFile, 'utf8')).toBe(before);
  });

  it('keeps every existing line and value, adds a missing secret and narrows the mode to 0600', () => {
    const mine = 'x'.repeat(40);
    const existing = [
      '# my settings',
      'DATABASE_URL=postgres://postgres@db.example:5432/trialready',
      `JWT_ACCESS_SECRET="${mine}"`,
      'LOG_LEVEL=debug',
    ].join('\n');
    writeFileSync(envFile, existing, { mode: 0o644 });

    const result = ensureSecretsInEnvFile(envFile);

    expect(result).toEqual({
      created: false,
      generated: [
        'IDENTITY_FINGERPRINT_KEY',
        'AUDIT_CHECKPOINT_KEY',
        'DISCLOSURE_NOISE_KEY',
        'METRICS_TOKEN',
      ],
      fromEnvironment: [],
      narrowed: true,
    });
    const text = readFileSync(envFile, 'utf8');
    expect(text.startsWith(existing + '\n')).toBe(true);
    const values = parseEnvFile(text);
    expect(values.JWT_ACCESS_SECRET).toBe(`"${mine}"`);
    expect(values.IDENTITY_FINGERPRINT_KEY).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(modeOf(envFile)).toBe(0o600);
  });

  it('fills an empty assignment copied from .env.example in place', () => {
    writeFileSync(
      envFile,
      'JWT_ACCESS_SECRET=\nAPI_PORT=3000\nIDENTITY_FINGERPRINT_KEY=\nAUDIT_CHECKPOINT_KEY=\nDISCLOSURE_NOISE_KEY=\nMETRICS_TOKEN=\n',
    );
    ensureSecretsInEnvFile(envFile);
    const lines = readFileSync(envFile, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^JWT_ACCESS_SECRET=[A-Za-z0-9_-]{64}$/);
    expect(lines[1]).toBe('API_PORT=3000');
    expect(lines[2]).toMatch(/^IDENTITY_FINGERPRINT_KEY=[A-Za-z0-9_-]{64}$/);
  });

  it('does not write a secret that the environment already sets (sourcing .env would hide it)', () => {
    const result = ensureSecretsInEnvFile(envFile, { environment: { JWT_ACCESS_SECRET: 'e'.repeat(40) } });
    expect(result.fromEnvironment).toEqual(['JWT_ACCESS_SECRET']);
    const values = parseEnvFile(readFileSync(envFile, 'utf8'));
    expect(values.JWT_ACCESS_SECRET).toBeUndefined();
    expect(values.IDENTITY_FINGERPRINT_KEY).toMatch(/^[A-Za-z0-9_-]{64}$/);
  });
});
