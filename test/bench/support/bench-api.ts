import type { INestApplication } from '@nestjs/common';
import type { Environment } from '@registry/config';
import { createAppLogger } from '@registry/platform';
import { createApiApp } from '../../../apps/api/src/create-api-app';

/** The real API on a loopback port of its own, as `npm run up` starts it. */
export interface BenchApi {
  app: INestApplication;
  url: string;
  /** Logs in as a demo user (with the run's demo password) and returns the Authorization header value. */
  login(email: string): Promise<string>;
  close(): Promise<void>;
}

export async function startBenchApi(config: Environment, demoPassword: string): Promise<BenchApi> {
  const app = await createApiApp(config, createAppLogger('bench-api', 'warn'));
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    url,
    async login(email) {
      const res = await fetch(`${url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: demoPassword }),
      });
      if (res.status !== 200) throw new Error(`log-in as ${email}: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { accessToken: string };
      return `Bearer ${body.accessToken}`;
    },
    close: () => app.close(),
  };
}
