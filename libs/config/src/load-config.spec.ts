import { ConfigValidationError, loadConfig } from './load-config';

// Every secret without a default must be given outside the test suite.
const CHECKPOINT_KEY = { AUDIT_CHECKPOINT_KEY: 'c'.repeat(40) };

describe('loadConfig', () => {
  it('gives local defaults when nothing but the secrets is set', () => {
    const config = loadConfig({ ...CHECKPOINT_KEY });
    // The apps connect as the app role; migrations as the owner of the schema.
    expect(config.DATABASE_URL).toBe('postgres://trialready_app:trialready_app@127.0.0.1:5432/trialready');
    expect(config.MIGRATION_DATABASE_URL).toBe('postgres://postgres:postgres@127.0.0.1:5432/trialready');
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.API_PORT).toBe(3000);
    expect(config.LOG_LEVEL).toBe('info');
  });

  it('converts numbers and keeps given values', () => {
    const config = loadConfig({
      ...CHECKPOINT_KEY,
      API_PORT: '8080',
      DATABASE_URL: 'postgresql://u:p@db.example:6543/reg',
    });
    expect(config.API_PORT).toBe(8080);
    expect(config.DATABASE_URL).toBe('postgresql://u:p@db.example:6543/reg');
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig({ ...CHECKPOINT_KEY, REDIS_URL: '' }).REDIS_URL).toBe('redis://127.0.0.1:6379');
  });

  it('names DATABASE_URL when it is not a postgres URL', () => {
    expect(() => loadConfig({ DATABASE_URL: 'nonsense' })).toThrow(/DATABASE_URL: .*postgres:\/\//);
  });

  it('names every bad variable in one message, without echoing their values', () => {
    let error: unknown;
    try {
      loadConfig({
        ...CHECKPOINT_KEY,
        DATABASE_URL: 'mysql://root:s3cret@h/db',
        REDIS_URL: 'nonsense',
        API_PORT: '70000',
        LOG_LEVEL: 'loud',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const problems = (error as ConfigValidationError).problems.map((p) => p.variable).sort();
    expect(problems).toEqual(['API_PORT', 'DATABASE_URL', 'LOG_LEVEL', 'REDIS_URL']);
    expect((error as Error).message).not.toContain('s3cret');
  });

  it('refuses a Redis key prefix that would break key patterns', () => {
    expect(() => loadConfig({ REDIS_KEY_PREFIX: 'a b*' })).toThrow(/REDIS_KEY_PREFIX/);
  });

  it('refuses the development secrets in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /JWT_ACCESS_SECRET must be set in production/,
    );
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_ACCESS_SECRET: 'p'.repeat(40) })).toThrow(
      /IDENTITY_FINGERPRINT_KEY must be set in production/,
    );
    const production = {
      NODE_ENV: 'production',
      JWT_ACCESS_SECRET: 'p'.repeat(40),
      IDENTITY_FINGERPRINT_KEY: 'k'.repeat(40),
      ...CHECKPOINT_KEY,
    };
    expect(loadConfig(production).NODE_ENV).toBe('production');
  });

  it('needs an audit checkpoint key of 32+ characters everywhere but in the test suite', () => {
    for (const NODE_ENV of ['development', 'production']) {
      expect(() => loadConfig({ NODE_ENV })).toThrow(/AUDIT_CHECKPOINT_KEY must be set/);
      expect(() => loadConfig({ NODE_ENV, AUDIT_CHECKPOINT_KEY: 'short' })).toThrow(
        /AUDIT_CHECKPOINT_KEY must be longer than or equal to 32 characters/,
      );
    }
    expect(loadConfig({ NODE_ENV: 'test' }).AUDIT_CHECKPOINT_KEY).toBeUndefined();
    expect(() => loadConfig({ NODE_ENV: 'test', AUDIT_CHECKPOINT_KEY: 'short' })).toThrow(
      /AUDIT_CHECKPOINT_KEY/,
    );
  });

  it('needs the bootstrap admin password when the bootstrap admin e-mail is set', () => {
    expect(() => loadConfig({ BOOTSTRAP_ADMIN_EMAIL: 'admin@registry.example' })).toThrow(
      /BOOTSTRAP_ADMIN_PASSWORD/,
    );
  });
});
