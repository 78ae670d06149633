import type { INestApplicationContext } from '@nestjs/common';
import { TRIAL_TEMPLATES } from '@registry/domain';
import { JobName, QueueName } from '@registry/jobs';
import { OutboxRepository, Transactions } from '@registry/persistence';
import { redisOptionsFromUrl } from '@registry/platform';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { WorkerHealthServer } from '../../apps/worker/src/runtime/health-server';
import { createConsentDocument, enrolConsentedParticipant, tokyoToday } from '../support/cohort-fixture';
import { createTestSystem, startApi, startWorker, TestApi, TestSystem } from '../support/harness';
import { createIdentityFixture, identityEnv, IdentityFixture } from '../support/identity-fixture';
import { createRecruitingTrial } from '../support/trial-fixture';
import { waitFor } from '../support/wait-for';

const TB3 = TRIAL_TEMPLATES.find((t) => t.key === 'trailblazer-alz-3')!;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text exposition format (the subset prom-client writes). */
function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice('# TYPE '.length).split(' ');
      types.set(name, type);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[key] = value;
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return { samples, types };
}

const valueOf = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

/**
 * Issue 20: GET /api/metrics and the worker's GET /metrics, scraped with the token and parsed: HTTP latency by
 * route and status, queue depth and the oldest waiting job's age, job durations and failures by name, the
 * visit-to-determination (visit-to-flag) histogram and the outbox lag.
 */
describe('Prometheus metrics', () => {
  let system: TestSystem;
  let api: TestApi;
  let worker: INestApplicationContext | undefined;
  let f: IdentityFixture;
  let screening: Queue;
  let maintenance: Queue;

  beforeAll(async () => {
    system = await createTestSystem({ ...identityEnv, OUTBOX_POLL_INTERVAL_MS: '100' });
    api = await startApi(system.config);
    f = await createIdentityFixture(api);
    const queue = (name: QueueName) =>
      new Queue(name, {
        prefix: system.config.REDIS_KEY_PREFIX,
        connection: redisOptionsFromUrl(system.config.REDIS_URL),
      });
    screening = queue(QueueName.Screening);
    maintenance = queue(QueueName.Maintenance);
  });

  afterAll(async () => {
    await screening?.close();
    await maintenance?.close();
    await worker?.close();
    await api?.close();
    await system?.shutdown();
  });

  const scrapeApi = async () => {
    const res = await api
      .http()
      .get('/api/metrics')
      .set('Authorization', `Bearer ${system.config.METRICS_TOKEN}`)
      .expect(200);
    expect(res.headers['content-type']).toContain('text/plain');
    return parseExposition(res.text);
  };

  it('refuses a scrape without the token or with another one', async () => {
    await api.http().get('/api/metrics').expect(401);
    await api.http().get('/api/metrics').set('Authorization', 'Bearer not-the-token').expect(401);
    await api.http().get('/api/metrics').set(f.admin.auth).expect(401);
  });

  it('exposes HTTP latency by route pattern and status, and the depth and age of each queue, from the API', async () => {
    await api.http().get(`/api/v1/sites/${f.sites.tokyo}`).set(f.admin.auth).expect(200);
    await api.http().get(`/api/v1/sites/${randomUUID()}`).set(f.admin.auth).expect(404);
    // No worker runs yet: a job added now waits, and so does the outbox event of a trial starting to recruit.
    await screening.add(JobName.ScreenParticipant, { participantId: randomUUID() });
    await createRecruitingTrial(api, { sponsor: f.sponsorAlpha, admin: f.admin }, TB3, [f.sites.tokyo]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // The outbox lag the worker's gauges report, read as they read it.
    const lag = await api.app.get(Transactions).read((tx) => api.app.get(OutboxRepository).lag(tx));
    expect(lag.unpublished).toBeGreaterThanOrEqual(1);
    expect(lag.oldestUnpublishedSeconds).toBeGreaterThanOrEqual(1);
    expect(lag.setAside).toBe(0);

    const { samples, types } = await scrapeApi();
    expect(types.get('http_request_duration_seconds')).toBe('histogram');
    const route = { method: 'GET', route: '/api/v1/sites/:id' };
    expect(valueOf(samples, 'http_request_duration_seconds_count', { ...route, status: '200' })).toBe(1);
    expect(valueOf(samples, 'http_request_duration_seconds_count', { ...route, status: '404' })).toBe(1);
    // Paths with ids never become series of their own.
    expect(samples.some((s) => Object.values(s.labels).some((v) => v.includes(f.sites.tokyo)))).toBe(false);

    expect(valueOf(samples, 'bullmq_queue_jobs', { queue: 'screening', state: 'waiting' })).toBe(1);
    expect(valueOf(samples, 'bullmq_queue_jobs', { queue: 'maintenance', state: 'failed' })).toBe(0);
    expect(
      valueOf(samples, 'bullmq_queue_oldest_waiting_job_age_seconds', { queue: 'screening' }),
    ).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'bullmq_queue_oldest_waiting_job_age_seconds', { queue: 'maintenance' })).toBe(0);
    expect(valueOf(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('exposes job durations and failures by name, visit-to-determination latency and outbox lag, from the worker', async () => {
    worker = await startWorker(system.config);
    const port = worker.get(WorkerHealthServer).port!;
    const metricsUrl = `http://127.0.0.1:${port}/metrics`;
    expect((await fetch(metricsUrl)).status).toBe(401);

    const documentId = await createConsentDocument(api, f.admin);
    const participantId = await enrolConsentedParticipant(api, f, documentId);
    await api
      .http()
      .post(`/api/v1/participants/${participantId}/status`)
      .set(f.coordinatorTokyo.auth)
      .send({ to: 'enrolled', effectiveDate: tokyoToday(), reason: 'Followed in the registry' })
      .expect(200);
    // The screens of the enrolment settle first: a visit in the same burst would be screened as part of it.
    const pendingScreens = async () =>
      [
        ...(await screening.getWaiting()),
        ...(await screening.getActive()),
        ...(await screening.getDelayed()),
      ].filter((job) => job.name === (JobName.ScreenParticipant as string)).length;
    await waitFor(pendingScreens, (n) => n === 0, 'the enrolment to be screened');
    await api
      .http()
      .post(`/api/v1/participants/${participantId}/visits`)
      .set(f.coordinatorTokyo.auth)
      .send({
        visitDate: tokyoToday(),
        assessments: [
          {
            type: 'plasma',
            values: { platform: 'fujirebio_lumipulse', analyte: 'ptau217', result: 'positive' },
          },
        ],
      })
      .expect(201);
    // A job no processor handles fails at once, for good.
    await maintenance.add('no-such-job', {});

    const scrapeWorker = async () => {
      const res = await fetch(metricsUrl, {
        headers: { Authorization: `Bearer ${system.config.METRICS_TOKEN}` },
      });
      expect(res.status).toBe(200);
      return parseExposition(await res.text());
    };
    const { samples, types } = await waitFor(
      scrapeWorker,
      ({ samples: s }) =>
        (valueOf(s, 'screening_change_to_determination_seconds_count', { cause: 'visit' }) ?? 0) >= 1 &&
        (valueOf(s, 'bullmq_job_failures_total', { job: 'no-such-job' }) ?? 0) >= 1,
      'the visit to be screened and the unknown job to fail',
    );

    expect(types.get('screening_change_to_determination_seconds')).toBe('histogram');
    const visitToFlag = valueOf(samples, 'screening_change_to_determination_seconds_sum', { cause: 'visit' });
    expect(visitToFlag).toBeGreaterThan(0);
    expect(visitToFlag).toBeLessThan(20);
    expect(
      valueOf(samples, 'bullmq_job_duration_seconds_count', {
        queue: 'screening',
        job: 'screen-participant',
        outcome: 'done',
      }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      valueOf(samples, 'bullmq_job_failures_total', {
        queue: 'maintenance',
        job: 'no-such-job',
        gave_up: 'true',
      }),
    ).toBe(1);
    expect(
      valueOf(samples, 'bullmq_job_duration_seconds_count', { job: 'no-such-job', outcome: 'failed' }),
    ).toBe(1);
    // The worker's relay has queued everything the API committed.
    expect(types.get('outbox_oldest_unpublished_age_seconds')).toBe('gauge');
    expect(valueOf(samples, 'outbox_unpublished_events')).toBe(0);
    expect(valueOf(samples, 'outbox_oldest_unpublished_age_seconds')).toBe(0);
    expect(valueOf(samples, 'outbox_set_aside_events')).toBe(0);
    expect(valueOf(samples, 'bullmq_queue_jobs', { queue: 'maintenance', state: 'failed' })).toBe(1);
  });
});
