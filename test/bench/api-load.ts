import autocannon from 'autocannon';
import { dateInTimeZone } from '@registry/domain';
import { argument, describeMachine, openBenchCohort } from './support/bench-cohort';
import { DEMO_PASSWORD } from '../../apps/api/src/cli/demo-data';
import { startProcess } from '../support/processes';
import { cpuPerRequest, sampleCpu } from './support/cpu-accounting';

/**
 * API load on loopback: the API and the worker run as their own processes (as in production), autocannon
 * drives them from this one at rising concurrency until p99 latency passes 200 ms.
 *
 *   npm run bench:api-load -- --participants 100000 --seconds 10
 *
 * Two workloads, each as a Tokyo coordinator over that site's participants: reading a schedule, and
 * recording a visit (one MMSE, so each visit also re-screens its participant in the worker). Where time
 * goes: CPU milliseconds per request in the API, the worker, PostgreSQL and the load generator itself, all
 * sharing this machine's cores.
 */
const P99_LIMIT_MS = 200;
const CONCURRENCY = [1, 2, 4, 8, 16, 32, 64];

async function main(): Promise<void> {
  const participants = Number(argument('participants', '100000'));
  const seconds = Number(argument('seconds', '10'));
  const cohort = await openBenchCohort(participants);
  const { dataSource, config } = cohort;
  console.log(await describeMachine(dataSource));
  const environment = {
    DATABASE_URL: config.DATABASE_URL,
    AUDIT_CHECKPOINT_KEY: config.AUDIT_CHECKPOINT_KEY ?? '',
    REDIS_URL: config.REDIS_URL,
    REDIS_KEY_PREFIX: `trialready_bench_load_${process.pid}`,
    API_HOST: '127.0.0.1',
    API_PORT: '0',
    WORKER_HEALTH_PORT: '0',
    LOG_LEVEL: 'warn',
    LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
  };
  // Paths are relative to the compiled tree this script runs from (dist-bench/).
  const api = startProcess('apps/api/src/main.js', { ...environment, LOG_LEVEL: 'info' });
  const worker = startProcess('apps/worker/src/main.js', environment);
  try {
    const listening = await api.waitForLog((entry) => entry.msg === 'api listening');
    const url = String(listening.url).replace('[::1]', '127.0.0.1');
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'coordinator.tky@demo.trialready.example', password: DEMO_PASSWORD }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const ids = (
      await dataSource.query<{ id: string }[]>(
        `SELECT p.id FROM participant p JOIN site s ON s.id = p.site_id AND s.code = 'TKY'
          WHERE p.status IN ('enrolled', 'screening') AND EXISTS (
            SELECT 1 FROM participant_consent pc WHERE pc.participant_id = p.id AND 'registry_follow_up' = ANY(pc.scopes)
               AND NOT EXISTS (SELECT 1 FROM consent_withdrawal w WHERE w.participant_consent_id = pc.id))
          ORDER BY random() LIMIT 5000`,
      )
    ).map((row) => row.id);
    const today = dateInTimeZone(new Date(), 'Asia/Tokyo');
    const headers = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };
    let next = 0;
    const pick = () => ids[next++ % ids.length];

    const workloads: { name: string; request: () => autocannon.Request }[] = [
      {
        name: 'GET schedule',
        request: () => ({ method: 'GET', path: `/api/v1/participants/${pick()}/schedule`, headers }),
      },
      {
        name: 'POST visit',
        request: () => ({
          method: 'POST',
          path: `/api/v1/participants/${pick()}/visits`,
          headers,
          body: JSON.stringify({
            visitDate: today,
            mode: 'remote',
            assessments: [{ type: 'mmse', values: { total: 29 } }],
          }),
        }),
      },
    ];
    for (const workload of workloads) {
      console.log(`\n${workload.name}`);
      let sustained = 0;
      for (const connections of CONCURRENCY) {
        const processes = { api: api.child.pid, worker: worker.child.pid, load: process.pid };
        const cpuBefore = sampleCpu(processes);
        const result = await autocannon({
          url,
          connections,
          duration: seconds,
          requests: [{ setupRequest: (request) => ({ ...request, ...workload.request() }) }],
        });
        const errors = result.non2xx + result.errors + result.timeouts;
        console.log(
          `  ${String(connections).padStart(3)} connections: ${result.requests.average.toFixed(0).padStart(6)} req/s, ` +
            `p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, errors ${errors}`,
        );
        // The worker's share includes re-screening after each visit, which may finish after the run.
        console.log(
          `       CPU per request: ${cpuPerRequest(cpuBefore, sampleCpu(processes), result.requests.total)}`,
        );
        if (result.latency.p99 > P99_LIMIT_MS || errors > 0) break;
        sustained = Math.max(sustained, result.requests.average);
      }
      console.log(`  sustained with p99 <= ${P99_LIMIT_MS} ms: ${sustained.toFixed(0)} req/s`);
    }
  } finally {
    api.child.kill('SIGTERM');
    worker.child.kill('SIGTERM');
    await Promise.all([api.exited, worker.exited]);
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
