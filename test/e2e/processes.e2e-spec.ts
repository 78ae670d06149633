import { createTestSystem, TestSystem } from '../support/harness';
import { runScript, startProcess } from '../support/processes';

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
    AUDIT_CHECKPOINT_KEY: system.config.AUDIT_CHECKPOINT_KEY!,
    REDIS_URL: system.config.REDIS_URL,
    REDIS_KEY_PREFIX: system.config.REDIS_KEY_PREFIX,
    API_HOST: '127.0.0.1',
    API_PORT: '0',
    WORKER_HEALTH_PORT: '0',
    LOG_LEVEL: 'info',
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
    expect(result.output).toContain('docker compose -f docker/compose.yml up -d --wait postgres redis');
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
