import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  DATABASE_PASSWORD_VARIABLES,
  environmentVariableNames,
  generateDatabasePassword,
  generateSecret,
  loadConfig,
  SECRET_VARIABLES,
} from '@registry/config';

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

// No Docker engine runs where the tests run, so the compose file is checked as data: as written (where each
// required variable is still `${NAME:?message}`), and with each required variable given a value as the
// operator would.
const rawComposeText = readFileSync(join(__dirname, '../../docker/compose.yml'), 'utf8');
const servicesOf = (text: string) =>
  (parse(text, { merge: true }) as { services: Record<string, ComposeService> }).services;
const rawServices = servicesOf(rawComposeText);
const services = servicesOf(
  rawComposeText.replace(
    /\$\{(\w+):\?[^}]*\}/g,
    (_, name: string) => `${name.toLowerCase()}0123456789abcdefghijklmnopqrstuvwxyz`,
  ),
);

/**
 * Compose's variable interpolation for the forms this file uses: `${NAME:?message}` (required: an error
 * when unset or empty) and `${NAME:-default}`.
 */
function interpolate(value: string, variables: Record<string, string | undefined>): string {
  return value.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([?-])([^}]*))?\}/g,
    (_, name: string, kind, rest) => {
      const given = variables[name];
      if (given !== undefined && given !== '') return given;
      if (kind === '?') throw new Error(`required variable ${name} is missing a value: ${rest}`);
      return kind === '-' ? (rest as string) : '';
    },
  );
}

/** A service's environment as compose hands it to the container, given the variables of the host. */
function containerEnvironment(name: string, variables: Record<string, string | undefined>) {
  return Object.fromEntries(
    Object.entries(rawServices[name].environment ?? {}).map(([key, value]) => [
      key,
      interpolate(String(value), variables),
    ]),
  );
}

// What `npm run up` generates into .env, which compose reads with --env-file .env.
const generatedSecrets = {
  ...Object.fromEntries(SECRET_VARIABLES.map((name) => [name, generateSecret()])),
  ...Object.fromEntries(DATABASE_PASSWORD_VARIABLES.map((name) => [name, generateDatabasePassword()])),
};

describe('docker/compose.yml', () => {
  it('has postgres, redis, api and worker, each with a healthcheck', () => {
    for (const name of ['postgres', 'redis', 'api', 'worker']) {
      expect(services[name]).toBeDefined();
      expect(services[name].healthcheck?.test.length).toBeGreaterThan(1);
    }
  });

  it.each(['api', 'worker'])('starts %s only after healthy dependencies and finished migrations', (name) => {
    expect(services[name].depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
      migrate: { condition: 'service_completed_successfully' },
    });
  });

  it.each(['api', 'worker', 'migrate'])(
    'gives %s a complete, valid configuration pointing at the compose services',
    (name) => {
      const environment = containerEnvironment(name, generatedSecrets);
      const known = environmentVariableNames();
      expect(Object.keys(environment).filter((key) => !known.includes(key))).toEqual([]);
      const config = loadConfig(environment);
      expect(new URL(config.DATABASE_URL).hostname).toBe('postgres');
      expect(new URL(config.REDIS_URL).hostname).toBe('redis');
      expect(environment.NODE_ENV).toBe('production');
    },
  );

  it.each(['api', 'worker', 'migrate'])(
    'takes every secret of %s from the environment or --env-file, never from a literal',
    (name) => {
      const environment = rawServices[name].environment ?? {};
      for (const secret of SECRET_VARIABLES) {
        expect(environment[secret]).toMatch(new RegExp(`^\\$\\{${secret}:\\?[^}]+\\}$`));
      }
      for (const secret of SECRET_VARIABLES) {
        const { [secret]: _missing, ...others } = generatedSecrets;
        expect(() => containerEnvironment(name, others)).toThrow(new RegExp(`required variable ${secret}`));
      }
      const inContainer = containerEnvironment(name, generatedSecrets);
      for (const secret of SECRET_VARIABLES) expect(inContainer[secret]).toBe(generatedSecrets[secret]);
    },
  );

  it('passes the settings a deployment changes from .env to both apps, and leaves them at their defaults unset', () => {
    const set = { ...generatedSecrets, TRUST_PROXY: '172.18.0.1', SMTP_URL: 'smtp://mail.example:587' };
    for (const name of ['api', 'worker']) {
      const config = loadConfig(containerEnvironment(name, set));
      expect([config.TRUST_PROXY, config.SMTP_URL]).toEqual(['172.18.0.1', 'smtp://mail.example:587']);
      const defaults = loadConfig(containerEnvironment(name, generatedSecrets));
      expect([defaults.TRUST_PROXY, defaults.SMTP_URL]).toEqual(['false', undefined]);
    }
  });

  it("has the API listen on every interface of its container, published on the host's loopback only", () => {
    expect(services.api.environment?.API_HOST).toBe('0.0.0.0');
    expect(loadConfig(containerEnvironment('worker', generatedSecrets)).API_HOST).toBe('127.0.0.1');
    const published = Object.values(services).flatMap((service) => service.ports ?? []);
    expect(published).toContain('127.0.0.1:3000:3000');
    for (const port of published) expect(port).toMatch(/^127\.0\.0\.1:/);
  });

  it.each(['api', 'worker'])('connects %s as the app role, without the owner credentials', (name) => {
    const environment = services[name].environment ?? {};
    expect(new URL(environment.DATABASE_URL).username).toBe('trialready_app');
    expect(environment.MIGRATION_DATABASE_URL).toBeUndefined();
  });

  it('takes every database password from the environment or --env-file, never from a literal', () => {
    expect(rawServices.postgres.environment?.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?[^}]+\}$/);
    for (const name of ['api', 'worker', 'migrate']) {
      const withoutPasswords = Object.fromEntries(
        Object.entries(generatedSecrets).filter(([key]) => key !== 'APP_DATABASE_PASSWORD'),
      );
      expect(() => containerEnvironment(name, withoutPasswords)).toThrow(/APP_DATABASE_PASSWORD/);
      const environment = containerEnvironment(name, generatedSecrets);
      expect(new URL(environment.DATABASE_URL).password).toBe(generatedSecrets.APP_DATABASE_PASSWORD);
    }
    expect(new URL(containerEnvironment('migrate', generatedSecrets).MIGRATION_DATABASE_URL).password).toBe(
      generatedSecrets.POSTGRES_PASSWORD,
    );
  });

  it('migrates as the owner, who creates the app role with the password the apps use', () => {
    const environment = services.migrate.environment ?? {};
    expect(new URL(environment.MIGRATION_DATABASE_URL).username).toBe('postgres');
    expect(environment.DATABASE_URL).toBe(services.api.environment?.DATABASE_URL);
  });

  it('runs Redis without eviction, which BullMQ needs', () => {
    expect(services.redis.command).toEqual(expect.arrayContaining(['--maxmemory-policy', 'noeviction']));
  });

  it('runs each app from the built image with its own entry point', () => {
    expect(services.api.command).toEqual(['node', 'dist/apps/api/src/main.js']);
    expect(services.worker.command).toEqual([
      'node',
      '--max-semi-space-size=64',
      'dist/apps/worker/src/main.js',
    ]);
    expect(services.migrate.command).toEqual(['node', 'dist/libs/persistence/src/cli/migrate.js', 'run']);
  });
});

describe('docker/Dockerfile', () => {
  const dockerfile = readFileSync(join(__dirname, '../../docker/Dockerfile'), 'utf8');
  it('builds in one stage and runs as a non-root user with production dependencies only', () => {
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
  });
});
