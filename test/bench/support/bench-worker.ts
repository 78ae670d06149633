import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Environment, loadConfig } from '@registry/config';
import { JOB_OPTIONS, JobName, QueueName, runScreeningJobId } from '@registry/jobs';
import { JsonLogger, redisOptionsFromUrl } from '@registry/platform';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { WorkerModule } from '../../../apps/worker/src/worker.module';
import { postgresCpuSeconds, sampleCpu } from './cpu-accounting';

/** The real worker (its BullMQ processors and outbox relay) in this process, under a Redis prefix of its own. */
export interface BenchWorker {
  config: Environment;
  app: INestApplicationContext;
  screeningQueue: Queue;
  close(): Promise<void>;
}

export async function startBenchWorker(config: Environment): Promise<BenchWorker> {
  const workerConfig = loadConfig({
    ...process.env,
    DATABASE_URL: config.DATABASE_URL,
    REDIS_KEY_PREFIX: `trialready_bench_${randomBytes(4).toString('hex')}`,
    WORKER_HEALTH_PORT: '0',
    OUTBOX_POLL_INTERVAL_MS: '100',
  });
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(workerConfig), {
    logger: new JsonLogger('bench-worker', 'warn'),
  });
  await app.init();
  const screeningQueue = new Queue(QueueName.Screening, {
    prefix: workerConfig.REDIS_KEY_PREFIX,
    connection: redisOptionsFromUrl(workerConfig.REDIS_URL),
  });
  return {
    config: workerConfig,
    app,
    screeningQueue,
    async close() {
      await screeningQueue.close();
      await app.close();
      // The benchmark's queue keys go with it.
      const redis = new Redis(workerConfig.REDIS_URL);
      const keys = await redis.keys(`${workerConfig.REDIS_KEY_PREFIX}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    },
  };
}

export interface CohortRunTiming {
  seconds: number;
  /** Participant x trial evaluations the runs counted. */
  evaluations: number;
  /** WAL the whole server wrote meanwhile. */
  walBytes: number;
  /** CPU seconds this process (the worker) used meanwhile. */
  workerCpuSeconds: number;
  /** CPU seconds every PostgreSQL process used meanwhile (anything else using the server counts too). */
  postgresCpuSeconds: number;
}

/**
 * Starts one screening run per trial, walked together as a site's daily re-screen walks the trials recruiting
 * there (here the runs span every site, one pass over the whole cohort), and waits for them to
 * finish; returns the wall time from enqueueing to the last run's finish.
 */
export async function timeCohortRun(
  dataSource: DataSource,
  worker: BenchWorker,
  trialIds: string[],
): Promise<CohortRunTiming> {
  const runs = await dataSource.query<{ id: string; total: number }[]>(
    `INSERT INTO screening_run (trial_id, criteria_version, cause, total)
     SELECT t.id, t.criteria_version, 'benchmark',
            (SELECT count(*) FROM participant p JOIN trial_site ts ON ts.site_id = p.site_id WHERE ts.trial_id = t.id)
       FROM trial t WHERE t.id = ANY($1::uuid[]) RETURNING id, total`,
    [trialIds],
  );
  const runIds = runs.map((run) => run.id).sort();
  const [{ lsn: walBefore }] = await dataSource.query<{ lsn: string }[]>(
    `SELECT pg_current_wal_lsn()::text AS lsn`,
  );
  const cpuBefore = sampleCpu({});
  const workerCpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  await worker.screeningQueue.add(
    JobName.RunScreening,
    { runIds },
    { ...JOB_OPTIONS[JobName.RunScreening], jobId: runScreeningJobId(runIds) },
  );
  for (;;) {
    const [{ open }] = await dataSource.query<{ open: number }[]>(
      `SELECT count(*)::int AS open FROM screening_run WHERE id = ANY($1::uuid[]) AND finished_at IS NULL`,
      [runIds],
    );
    if (open === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const workerCpu = process.cpuUsage(workerCpuBefore);
  const cpuAfter = sampleCpu({});
  // WAL written meanwhile (by the whole server): row locks, determinations, history and flags all write it.
  const [{ bytes }] = await dataSource.query<{ bytes: string }[]>(
    `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::text AS bytes`,
    [walBefore],
  );
  return {
    seconds,
    evaluations: runs.reduce((sum, run) => sum + run.total, 0),
    walBytes: Number(bytes),
    workerCpuSeconds: (workerCpu.user + workerCpu.system) / 1e6,
    postgresCpuSeconds: postgresCpuSeconds(cpuBefore, cpuAfter),
  };
}
