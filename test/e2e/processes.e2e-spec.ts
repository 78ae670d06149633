import { execFileSync } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DATABASE_PASSWORD_VARIABLES, SECRET_VARIABLES } from '../../libs/config/src/secrets';
import { createTestSystem, TestSystem } from '../support/harness';
import { ROOT, runScript, startProcess } from '../support/processes';
import { PUBLISHED_JWT_ACCESS_SECRET } from '../support/published-secrets';
import { secretsOf } from '../support/test-secrets';

/** An HS256 JWT made by hand, as an attacker who knows a secret would make one. */
function signHs256(claims: Record<string, unknown>, secret: string): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ ...claims, iat: now, exp: now + 600 })}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

/** The assignments of a .env file. */
function readEnvFile(path: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) values[match[1]] = match[2];
  }
  return values;
}

/** Resolves with the error code of a TCP connection attempt, or 'connected'. */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 });
    socket.on('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.on('timeout', () => {
      socket.destroy();
      resolve('timeout');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

// These start the built apps (dist/, made by `npm test` before this suite) as real processes.
describe('the built apps as processes', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await createTestSystem();
  });

  afterAll(async () => {
    await system?.shutdown();
  });

  const environmentOf = (overrides: Record<string, string> = {}) => ({
    DATABASE_URL: system.config.DATABASE_URL,
    REDIS_URL: system.config.REDIS_URL,
    REDIS_KEY_PREFIX: system.config.REDIS_KEY_PREFIX,
    API_HOST: '127.0.0.1',
    API_PORT: '0',
    WORKER_HEALTH_PORT: '0',
    LOG_LEVEL: 'info',
    // The run's generated secrets; NODE_ENV is unset, so the apps run as in development.
    ...secretsOf(process.env),
    ...overrides,
  });

  it('refuses to start the API with DATABASE_URL=nonsense, naming the variable', async () => {
    const api = startProcess('dist/apps/api/src/main.js', environmentOf({ DATABASE_URL: 'nonsense' }));
    expect(await api.exited).toBe(1);
    expect(api.output()).toMatch(/DATABASE_URL: DATABASE_URL must be a URL starting with postgres:\/\//);
  });

  it('refuses to start either app in production as a role that could rewrite the audit trail', async () => {
    const production = environmentOf({
      NODE_ENV: 'production',
      DATABASE_URL: system.database.ownerUrl,
      JWT_ACCESS_SECRET: 'a production secret of forty characters!',
      IDENTITY_FINGERPRINT_KEY: 'a production key of forty characters!!!!',
    });
    const api = startProcess('dist/apps/api/src/main.js', production);
    const worker = startProcess('dist/apps/worker/src/main.js', production);
    expect(await api.exited).toBe(1);
    expect(await worker.exited).toBe(1);
    for (const output of [api.output(), worker.output()]) {
      expect(output).toMatch(/DATABASE_URL must connect as the app role \(trialready_app\)/);
      expect(output).toMatch(/is a superuser/);
    }
  });

  it('refuses to start the worker with a bad REDIS_URL, naming the variable', async () => {
    const worker = startProcess(
      'dist/apps/worker/src/main.js',
      environmentOf({ REDIS_URL: 'localhost:6379' }),
    );
    expect(await worker.exited).toBe(1);
    expect(worker.output()).toMatch(/REDIS_URL: REDIS_URL must be a URL starting with redis:\/\//);
  });

  it('serves readiness from both processes and exits cleanly on SIGTERM', async () => {
    const api = startProcess('dist/apps/api/src/main.js', environmentOf());
    const worker = startProcess('dist/apps/worker/src/main.js', environmentOf());
    try {
      const listening = await api.waitForLog((entry) => entry.msg === 'api listening');
      const health = await worker.waitForLog((entry) => entry.msg === 'worker health listening');

      const apiReady = await fetch(`${String(listening.url)}/api/v1/health/ready`);
      expect(apiReady.status).toBe(200);
      expect(apiReady.headers.get('x-request-id')).toBeTruthy();
      const workerReady = await fetch(`http://127.0.0.1:${Number(health.port)}/health/ready`);
      expect(workerReady.status).toBe(200);
      expect(await workerReady.json()).toMatchObject({ dependencies: { database: 'up', redis: 'up' } });

      // Every line the processes wrote is JSON: nothing unstructured (and so nothing unfiltered) reaches the log.
      const lines = api.output().trim().split('\n');
      expect(lines.every((line) => line.startsWith('{'))).toBe(true);
      expect(
        lines.some((line) => line.includes('"path":"/api/v1/health/ready"') && line.includes('"requestId"')),
      ).toBe(true);
    } finally {
      api.child.kill('SIGTERM');
      worker.child.kill('SIGTERM');
    }
    expect(await api.exited).toBe(0);
    expect(await worker.exited).toBe(0);
    expect(api.output()).toContain('"msg":"shutdown complete"');
    expect(worker.output()).toContain('"msg":"shutdown complete"');
  });

  it('refuses to start the API in development with the published JWT secret, naming JWT_ACCESS_SECRET', async () => {
    const api = startProcess(
      'dist/apps/api/src/main.js',
      environmentOf({ NODE_ENV: 'development', JWT_ACCESS_SECRET: PUBLISHED_JWT_ACCESS_SECRET }),
    );
    expect(await api.exited).toBe(1);
    expect(api.output()).toMatch(/JWT_ACCESS_SECRET: JWT_ACCESS_SECRET is a published development secret/);
    expect(api.output()).not.toContain(PUBLISHED_JWT_ACCESS_SECRET);
  });

  it('refuses to start the worker without IDENTITY_FINGERPRINT_KEY, naming it', async () => {
    const worker = startProcess(
      'dist/apps/worker/src/main.js',
      environmentOf({ NODE_ENV: 'development', IDENTITY_FINGERPRINT_KEY: '' }),
    );
    expect(await worker.exited).toBe(1);
    expect(worker.output()).toMatch(/IDENTITY_FINGERPRINT_KEY: IDENTITY_FINGERPRINT_KEY is required/);
  });

  it('runs on secrets generated into .env, listens on 127.0.0.1 only and refuses a forged admin token', async () => {
    // As `npm run up` does on a first run: generate the secrets into a new .env.
    const directory = mkdtempSync(join(tmpdir(), 'trialready-up-'));
    const envFile = join(directory, '.env');
    let generated: Record<string, string>;
    try {
      const said = execFileSync(
        process.execPath,
        [join(ROOT, 'dist/libs/config/src/cli/ensure-secrets.js'), envFile],
        {
          env: { PATH: process.env.PATH ?? '' },
          encoding: 'utf8',
        },
      );
      expect(said).toContain(
        `generated ${[...SECRET_VARIABLES, ...DATABASE_PASSWORD_VARIABLES].join(', ')} into ${envFile}`,
      );
      expect(statSync(envFile).mode & 0o777).toBe(0o600);
      generated = readEnvFile(envFile);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }

    const client = new Client({ connectionString: system.database.url });
    await client.connect();
    let adminId: string;
    // A live session of that admin: access tokens name the session (sid) they belong to.
    const sessionId = randomUUID();
    try {
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO app_user (email, display_name, role, password_hash)
         VALUES ('admin@forgery.example', 'Admin', 'admin', 'not-a-hash') RETURNING id`,
      );
      adminId = rows[0].id;
      await client.query(
        `INSERT INTO refresh_token (user_id, family_id, token_hash, expires_at)
         VALUES ($1, $2, 'not-a-token-hash', now() + interval '1 day')`,
        [adminId, sessionId],
      );
    } finally {
      await client.end();
    }

    const { API_HOST: _bindsByDefault, ...environment } = environmentOf({
      NODE_ENV: 'development',
      ...generated,
    });
    const api = startProcess('dist/apps/api/src/main.js', environment);
    try {
      const listening = await api.waitForLog((entry) => entry.msg === 'api listening');
      const url = new URL(String(listening.url));
      expect(url.hostname).toBe('127.0.0.1');
      const port = Number(url.port);

      const claims = { sub: adminId, role: 'admin', typ: 'access', sid: sessionId };
      const users = (token: string) =>
        fetch(`${url.origin}/api/v1/users`, { headers: { authorization: `Bearer ${token}` } });
      // The same claims signed with the installation's secret are an admin's: only the signature differs.
      expect((await users(signHs256(claims, generated.JWT_ACCESS_SECRET))).status).toBe(200);
      const forged = await users(signHs256(claims, PUBLISHED_JWT_ACCESS_SECRET));
      expect(forged.status).toBe(401);

      // Bound to loopback: another address of this machine does not answer.
      const external = Object.values(networkInterfaces())
        .flat()
        .find((address) => address && address.family === 'IPv4' && !address.internal);
      expect(await tryConnect('127.0.0.1', port)).toBe('connected');
      if (external) expect(await tryConnect(external.address, port)).toBe('ECONNREFUSED');
    } finally {
      api.child.kill('SIGTERM');
    }
    expect(await api.exited).toBe(0);
  });
});

describe('scripts/ensure-services.sh', () => {
  it('says exactly what to run when PostgreSQL cannot be reached or started', async () => {
    const result = await runScript('scripts/ensure-services.sh', {
      // Port 1: nothing listens there; "none" stops the script from trying Docker or apt-get in a test.
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/trialready',
      SERVICE_STARTERS: 'none',
    });
    expect(result.code).toBe(1);
    expect(result.output).toContain('PostgreSQL (127.0.0.1:1 from DATABASE_URL)');
    expect(result.output).toContain(
      'docker compose --env-file .env -f docker/compose.yml up -d --wait postgres redis',
    );
    expect(result.output).toContain('apt-get install -y postgresql redis-server');
  });

  it('finds the running services and prepares the database', async () => {
    const result = await runScript('scripts/ensure-services.sh', {
      DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/trialready',
      SERVICE_STARTERS: 'none',
    });
    expect(result.output).toContain('are running');
    expect(result.code).toBe(0);
  });
});
