import {
  PUBLISHED_IDENTITY_FINGERPRINT_KEY,
  PUBLISHED_JWT_ACCESS_SECRET,
} from '../../../test/support/published-secrets';
import { ConfigValidationError, environmentVariableNames, loadConfig } from './load-config';
import { generateSecret, SECRET_VARIABLES } from './secrets';

/** The problems loadConfig reports for `source`, by variable (empty when it loads). */
function problemsOf(source: Record<string, string>): Record<string, string> {
  try {
    loadConfig(source);
    return {};
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    return Object.fromEntries(error.problems.map((p) => [p.variable, p.rules.join('; ')]));
  }
}

// Every secret, freshly generated: what `npm run up` writes into .env.
const secrets = (): Record<string, string> =>
  Object.fromEntries(SECRET_VARIABLES.map((name) => [name, generateSecret()]));

describe('loadConfig', () => {
  it('gives local defaults when nothing but the secrets is set', () => {
    const config = loadConfig({ ...secrets() });
    // The apps connect as the app role; migrations as the owner of the schema.
    expect(config.DATABASE_URL).toBe('postgres://trialready_app@127.0.0.1:5432/trialready');
    expect(config.MIGRATION_DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/trialready');
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.API_PORT).toBe(3000);
    expect(config.LOG_LEVEL).toBe('info');
  });

  it('converts numbers and keeps given values', () => {
    const config = loadConfig({
      ...secrets(),
      API_PORT: '8080',
      DATABASE_URL: 'postgresql://u:p@db.example:6543/reg',
    });
    expect(config.API_PORT).toBe(8080);
    expect(config.DATABASE_URL).toBe('postgresql://u:p@db.example:6543/reg');
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig({ ...secrets(), REDIS_URL: '' }).REDIS_URL).toBe('redis://127.0.0.1:6379');
  });

  it('names DATABASE_URL when it is not a postgres URL', () => {
    expect(() => loadConfig({ ...secrets(), DATABASE_URL: 'nonsense' })).toThrow(
      /DATABASE_URL: .*postgres:\/\//,
    );
  });

  it('names every bad variable in one message, without echoing their values', () => {
    let error: unknown;
    try {
      loadConfig({
        ...secrets(),
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
    expect(() => loadConfig({ ...secrets(), REDIS_KEY_PREFIX: 'a b*' })).toThrow(/REDIS_KEY_PREFIX/);
  });

  it.each(['development', 'production'])('refuses to start in %s without each secret', (NODE_ENV) => {
    const problems = problemsOf({ NODE_ENV });
    for (const name of SECRET_VARIABLES) {
      expect(problems[name]).toMatch(new RegExp(`^${name} is required`));
    }
    const { IDENTITY_FINGERPRINT_KEY: _missing, ...allButOne } = secrets();
    expect(problemsOf({ NODE_ENV, ...allButOne })).toEqual({
      IDENTITY_FINGERPRINT_KEY: expect.stringMatching(/IDENTITY_FINGERPRINT_KEY is required/),
    });
  });

  it.each(['development', 'production'])(
    'refuses in %s the published development secrets, naming the variable and why',
    (NODE_ENV) => {
      expect(problemsOf({ ...secrets(), NODE_ENV, JWT_ACCESS_SECRET: PUBLISHED_JWT_ACCESS_SECRET })).toEqual({
        JWT_ACCESS_SECRET: expect.stringMatching(/JWT_ACCESS_SECRET is a published development secret/),
      });
      expect(
        problemsOf({ ...secrets(), NODE_ENV, IDENTITY_FINGERPRINT_KEY: PUBLISHED_IDENTITY_FINGERPRINT_KEY }),
      ).toEqual({
        IDENTITY_FINGERPRINT_KEY: expect.stringMatching(
          /IDENTITY_FINGERPRINT_KEY is a published development/,
        ),
      });
    },
  );

  it('takes an unset NODE_ENV as development, which refuses a published secret', () => {
    expect(problemsOf({ ...secrets(), JWT_ACCESS_SECRET: PUBLISHED_JWT_ACCESS_SECRET })).toHaveProperty(
      'JWT_ACCESS_SECRET',
    );
  });

  it('accepts any secret of 32+ characters under NODE_ENV=test, where the test suite supplies them', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      JWT_ACCESS_SECRET: PUBLISHED_JWT_ACCESS_SECRET,
      IDENTITY_FINGERPRINT_KEY: PUBLISHED_IDENTITY_FINGERPRINT_KEY,
      AUDIT_CHECKPOINT_KEY: generateSecret(),
      DISCLOSURE_NOISE_KEY: generateSecret(),
      WEBHOOK_SECRET_KEY: generateSecret(),
      REFERRAL_TOKEN_KEY: generateSecret(),
      METRICS_TOKEN: generateSecret(),
    });
    expect(config.JWT_ACCESS_SECRET).toBe(PUBLISHED_JWT_ACCESS_SECRET);
    expect(config.IDENTITY_FINGERPRINT_KEY).toBe(PUBLISHED_IDENTITY_FINGERPRINT_KEY);
    // Still required, even there.
    expect(problemsOf({ NODE_ENV: 'test' })).toHaveProperty('JWT_ACCESS_SECRET');
  });

  it('refuses a secret shorter than 32 characters, without echoing it', () => {
    const short = 's3cret-but-short';
    let error: unknown;
    try {
      loadConfig({ ...secrets(), NODE_ENV: 'production', JWT_ACCESS_SECRET: short });
    } catch (caught) {
      error = caught;
    }
    expect((error as Error).message).toMatch(/JWT_ACCESS_SECRET must be at least 32 characters/);
    expect((error as Error).message).not.toContain(short);
  });

  it('loads generated secrets in production and reads each of them', () => {
    const given = secrets();
    const config = loadConfig({ ...given, NODE_ENV: 'production' });
    for (const name of SECRET_VARIABLES) expect(config[name]).toBe(given[name]);
    expect(environmentVariableNames()).toEqual(expect.arrayContaining([...SECRET_VARIABLES]));
  });

  it('binds the API to 127.0.0.1 unless API_HOST says otherwise', () => {
    expect(loadConfig({ ...secrets() }).API_HOST).toBe('127.0.0.1');
    expect(loadConfig({ ...secrets(), API_HOST: '0.0.0.0' }).API_HOST).toBe('0.0.0.0');
  });

  it('needs the bootstrap admin password when the bootstrap admin e-mail is set', () => {
    expect(() => loadConfig({ ...secrets(), BOOTSTRAP_ADMIN_EMAIL: 'admin@registry.example' })).toThrow(
      /BOOTSTRAP_ADMIN_PASSWORD/,
    );
  });

  it('takes the daily re-screen time as HH:MM on the 24-hour clock, 00:15 by default', () => {
    expect(loadConfig(secrets()).DAILY_RESCREEN_LOCAL_TIME).toBe('00:15');
    expect(loadConfig({ ...secrets(), DAILY_RESCREEN_LOCAL_TIME: '02:30' }).DAILY_RESCREEN_LOCAL_TIME).toBe(
      '02:30',
    );
    for (const bad of ['24:00', '0:15', '00:15:00', 'midnight'])
      expect(() => loadConfig({ ...secrets(), DAILY_RESCREEN_LOCAL_TIME: bad })).toThrow(
        /DAILY_RESCREEN_LOCAL_TIME/,
      );
  });

  it('serves the API docs by default except in production, and lets either be overridden', () => {
    const production = {
      NODE_ENV: 'production',
      ...secrets(),
    };
    expect(loadConfig(secrets()).API_DOCS_ENABLED).toBe(true);
    expect(loadConfig(production).API_DOCS_ENABLED).toBe(false);
    expect(loadConfig({ ...production, API_DOCS_ENABLED: 'true' }).API_DOCS_ENABLED).toBe(true);
    expect(loadConfig({ ...secrets(), API_DOCS_ENABLED: 'false' }).API_DOCS_ENABLED).toBe(false);
    expect(() => loadConfig({ ...secrets(), API_DOCS_ENABLED: 'yes' })).toThrow(
      /API_DOCS_ENABLED must be true or false/,
    );
  });

  it('controls disclosure with k = 11, rounding to 5 and noise of at most 3 unless told otherwise', () => {
    const config = loadConfig(secrets());
    expect([
      config.DISCLOSURE_MIN_CELL_SIZE,
      config.DISCLOSURE_ROUND_TO,
      config.DISCLOSURE_NOISE_BOUND,
    ]).toEqual([11, 5, 3]);
    const stricter = loadConfig({
      ...secrets(),
      DISCLOSURE_MIN_CELL_SIZE: '20',
      DISCLOSURE_NOISE_BOUND: '10',
    });
    expect([stricter.DISCLOSURE_MIN_CELL_SIZE, stricter.DISCLOSURE_NOISE_BOUND]).toEqual([20, 10]);
  });

  it('limits each sponsor organisation to 60 queries an hour unless told otherwise', () => {
    const config = loadConfig(secrets());
    expect([config.SPONSOR_QUERY_LIMIT, config.SPONSOR_QUERY_WINDOW_SECONDS]).toEqual([60, 3600]);
    const daily = loadConfig({
      ...secrets(),
      SPONSOR_QUERY_LIMIT: '200',
      SPONSOR_QUERY_WINDOW_SECONDS: '86400',
    });
    expect([daily.SPONSOR_QUERY_LIMIT, daily.SPONSOR_QUERY_WINDOW_SECONDS]).toEqual([200, 86400]);
  });

  it('refuses a sponsor query limit below 1 or a window under a minute, naming the variable', () => {
    expect(
      problemsOf({ ...secrets(), SPONSOR_QUERY_LIMIT: '0', SPONSOR_QUERY_WINDOW_SECONDS: '59' }),
    ).toEqual({
      SPONSOR_QUERY_LIMIT: 'SPONSOR_QUERY_LIMIT must be at least 1',
      SPONSOR_QUERY_WINDOW_SECONDS: 'SPONSOR_QUERY_WINDOW_SECONDS must be at least 60',
    });
    expect(
      problemsOf({ ...secrets(), SPONSOR_QUERY_LIMIT: '2.5', SPONSOR_QUERY_WINDOW_SECONDS: 'hour' }),
    ).toEqual({
      SPONSOR_QUERY_LIMIT: 'SPONSOR_QUERY_LIMIT must be a whole number',
      SPONSOR_QUERY_WINDOW_SECONDS: expect.stringContaining(
        'SPONSOR_QUERY_WINDOW_SECONDS must be a whole number',
      ),
    });
  });

  it('refuses a minimum cell size below 5, saying why', () => {
    expect(problemsOf({ ...secrets(), DISCLOSURE_MIN_CELL_SIZE: '4' })).toEqual({
      DISCLOSURE_MIN_CELL_SIZE:
        'DISCLOSURE_MIN_CELL_SIZE must be at least 5: a smaller cell can single out a person',
    });
    expect(
      loadConfig({ ...secrets(), DISCLOSURE_MIN_CELL_SIZE: '5', DISCLOSURE_NOISE_BOUND: '4' }),
    ).toMatchObject({
      DISCLOSURE_MIN_CELL_SIZE: 5,
    });
  });

  it('refuses a noise bound that is not below the minimum cell size, and rounding to less than 1', () => {
    expect(problemsOf({ ...secrets(), DISCLOSURE_NOISE_BOUND: '11' })).toEqual({
      DISCLOSURE_NOISE_BOUND: 'DISCLOSURE_NOISE_BOUND must be below DISCLOSURE_MIN_CELL_SIZE',
    });
    expect(
      problemsOf({ ...secrets(), DISCLOSURE_MIN_CELL_SIZE: '6', DISCLOSURE_NOISE_BOUND: '6' }),
    ).toHaveProperty('DISCLOSURE_NOISE_BOUND');
    expect(problemsOf({ ...secrets(), DISCLOSURE_ROUND_TO: '0' })).toHaveProperty('DISCLOSURE_ROUND_TO');
  });

  it('holds flags back 180 days after a declined referral unless told otherwise, and takes a previous token key only when long enough', () => {
    expect(loadConfig(secrets()).REFERRAL_DECLINE_SUPPRESSION_DAYS).toBe(180);
    expect(
      loadConfig({ ...secrets(), REFERRAL_DECLINE_SUPPRESSION_DAYS: '90' }).REFERRAL_DECLINE_SUPPRESSION_DAYS,
    ).toBe(90);
    expect(problemsOf({ ...secrets(), REFERRAL_DECLINE_SUPPRESSION_DAYS: '-1' })).toEqual({
      REFERRAL_DECLINE_SUPPRESSION_DAYS: 'REFERRAL_DECLINE_SUPPRESSION_DAYS must be at least 0',
    });
    expect(loadConfig(secrets()).REFERRAL_TOKEN_PREVIOUS_KEY).toBeUndefined();
    expect(problemsOf({ ...secrets(), REFERRAL_TOKEN_PREVIOUS_KEY: 'short' })).toEqual({
      REFERRAL_TOKEN_PREVIOUS_KEY: 'REFERRAL_TOKEN_PREVIOUS_KEY must be at least 32 characters',
    });
    // The token key itself is a secret: required, with no default.
    const { REFERRAL_TOKEN_KEY: _omitted, ...withoutKey } = secrets();
    expect(problemsOf({ ...withoutKey, NODE_ENV: 'production' })).toHaveProperty('REFERRAL_TOKEN_KEY');
  });
});
