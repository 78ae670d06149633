import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Environment, loadConfig } from '@registry/config';
import { JOB_OPTIONS, JobName, QueueName, runScreeningJobId } from '@registry/jobs';
import { dateInTimeZone } from '@registry/domain';
import { startScreeningRuns } from '@registry/persistence';
import { Clock, createAppLogger, redisOptionsFromUrl } from '@registry/platform';
import { Logger } from 'nestjs-pino';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
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

/**
 * Pauses every queue but screening under `prefix` (before any worker takes them): the benchmarks measure
 * screening, and the worker's other recurring jobs would run beside it on the same database and cores. The
 * day's coordinator reminders over a 1,000,000-participant cohort took over 15 minutes and about 100 MiB of
 * WAL, inside the daily re-screen's figures.
 */
async function pauseAllButScreening(prefix: string, redisUrl: string): Promise<void> {
  for (const name of Object.values(QueueName)) {
    if (name === QueueName.Screening) continue;
    const queue = new Queue(name, { prefix, connection: redisOptionsFromUrl(redisUrl) });
    await queue.pause();
    await queue.close();
  }
}

/**
 * `clock`: the worker's "now" (default: the system clock); a later day makes what is due then due. Only its
 * screening queue runs (`pauseAllButScreening`).
 */
export async function startBenchWorker(config: Environment, clock?: Clock): Promise<BenchWorker> {
  const workerConfig = loadConfig({
    ...process.env,
    DATABASE_URL: config.DATABASE_URL,
    REDIS_KEY_PREFIX: `trialready_bench_${randomBytes(4).toString('hex')}`,
    WORKER_HEALTH_PORT: '0',
    OUTBOX_POLL_INTERVAL_MS: '100',
  });
  await pauseAllButScreening(workerConfig.REDIS_KEY_PREFIX, workerConfig.REDIS_URL);
  const app = await NestFactory.createApplicationContext(
    WorkerModule.forRoot(workerConfig, { clock, logger: createAppLogger('bench-worker', 'warn') }),
    { bufferLogs: true },
  );
  app.useLogger(app.get(Logger));
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

/** What a timed run needs of the workers: the queue its job goes to, and the worker processes, if not this one. */
export interface BenchWorkers {
  screeningQueue: Queue;
  /** Process ids of the worker processes, whose CPU is counted; absent: the worker runs in this process. */
  pids?: number[];
}

/**
 * Worker processes (the built worker, dist-bench/apps/worker/src/main.js) on one Redis prefix of their own,
 * only screening running (`pauseAllButScreening`).
 */
export interface BenchWorkerProcesses extends BenchWorkers {
  pids: number[];
  close(): Promise<void>;
}

/**
 * Starts `count` real worker processes, as a deployment runs them (`npm run start:worker`), sharing one Redis
 * prefix so that they take the same queues: several workers sharing one cohort run through its partitions.
 * `env` adds to this process's environment (SCREENING_PARTITIONS, say). Resolves once each listens.
 */
export async function startWorkerProcesses(
  config: Environment,
  count: number,
  env: Record<string, string> = {},
): Promise<BenchWorkerProcesses> {
  const prefix = `trialready_bench_${randomBytes(4).toString('hex')}`;
  await pauseAllButScreening(prefix, config.REDIS_URL);
  const main = join(__dirname, '../../../apps/worker/src/main.js');
  const children: ChildProcess[] = [];
  const started = Array.from({ length: count }, () => {
    const child = spawn(process.execPath, ['--max-semi-space-size=64', main], {
      env: {
        ...process.env,
        DATABASE_URL: config.DATABASE_URL,
        REDIS_URL: config.REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        WORKER_HEALTH_PORT: '0',
        OUTBOX_POLL_INTERVAL_MS: '100',
        LOG_LEVEL: 'info',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    return new Promise<void>((resolve, reject) => {
      let output = '';
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('"worker health listening"')) {
          child.stdout.off('data', onData);
          // Keep draining its log lines so that the pipe never fills.
          child.stdout.resume();
          resolve();
        }
      };
      child.stdout.on('data', onData);
      child.once('exit', (code) => reject(new Error(`a worker process exited (${code}) before it listened`)));
    });
  });
  const screeningQueue = new Queue(QueueName.Screening, {
    prefix,
    connection: redisOptionsFromUrl(config.REDIS_URL),
  });
  const close = async () => {
    await screeningQueue.close();
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
    const redis = new Redis(config.REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  };
  try {
    await Promise.all(started);
  } catch (error) {
    await close();
    throw error;
  }
  return { screeningQueue, pids: children.map((child) => child.pid!), close };
}

export interface CohortRunTiming {
  seconds: number;
  /** Participant x trial evaluations the runs counted. */
  evaluations: number;
  /** WAL the whole server wrote meanwhile. */
  walBytes: number;
  /**
   * Full-page images among it (pg_stat_wal.wal_fpi): the first change to a page after each checkpoint writes
   * the whole page, so pages touched all over a large table or index cost far more WAL than their rows.
   */
  walFullPages: number;
  /** CPU seconds the worker (this process, or the worker processes) used meanwhile. */
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
  worker: BenchWorkers,
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
  const timing = await timeRunsStarted(dataSource, worker.pids, async () => {
    await worker.screeningQueue.add(
      JobName.RunScreening,
      { runIds },
      { ...JOB_OPTIONS[JobName.RunScreening], jobId: runScreeningJobId(runIds) },
    );
    return runIds;
  });
  return { ...timing, evaluations: runs.reduce((sum, run) => sum + run.total, 0) };
}

type RunsTiming = Omit<CohortRunTiming, 'evaluations'> & { runIds: string[] };

/**
 * Times from `start` (which starts screening runs and returns their ids) until every run has finished: wall
 * time, the WAL the whole server wrote meanwhile (row locks, determinations, history and flags all write it)
 * and the CPU of the worker (this process, or the processes `workerPids`) and of PostgreSQL.
 */
async function timeRunsStarted(
  dataSource: DataSource,
  workerPids: number[] | undefined,
  start: () => Promise<string[]>,
): Promise<RunsTiming> {
  const workerProcesses = Object.fromEntries((workerPids ?? []).map((pid) => [`worker-${pid}`, pid]));
  const [{ lsn: walBefore, fpi: fullPagesBefore }] = await dataSource.query<{ lsn: string; fpi: string }[]>(
    `SELECT pg_current_wal_lsn()::text AS lsn, (SELECT wal_fpi FROM pg_stat_wal)::text AS fpi`,
  );
  const cpuBefore = sampleCpu(workerProcesses);
  const workerCpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const runIds = await start();
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
  const cpuAfter = sampleCpu(workerProcesses);
  const workerProcessesCpu = Object.entries(cpuAfter.named).reduce(
    (sum, [name, seconds]) => sum + seconds - (cpuBefore.named[name] ?? 0),
    0,
  );
  const [{ bytes, fpi }] = await dataSource.query<{ bytes: string; fpi: string }[]>(
    `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::text AS bytes,
            (SELECT wal_fpi FROM pg_stat_wal)::text AS fpi`,
    [walBefore],
  );
  return {
    runIds,
    seconds,
    walBytes: Number(bytes),
    walFullPages: Number(fpi) - Number(fullPagesBefore),
    workerCpuSeconds: workerPids ? workerProcessesCpu : (workerCpu.user + workerCpu.system) / 1e6,
    postgresCpuSeconds: postgresCpuSeconds(cpuBefore, cpuAfter),
  };
}

export interface DailyRescreenTiming extends CohortRunTiming {
  /** Participants the daily runs walked (those whose time-change day had come), summed over sites. */
  walked: number;
}

/**
 * Starts every site's daily re-screen for its calendar day at `at` as the worker's tick does (a
 * daily_rescreen row per site, its runs and their outbox event in one transaction, through the one place
 * runs are created) and waits for its runs to finish; the worker's clock must stand at `at`, as it judges
 * each site's participants on that clock's day. Returns the wall time from the commit to the last run's end.
 */
export async function timeDailyRescreen(
  dataSource: DataSource,
  trialIds: string[],
  at: Date,
): Promise<DailyRescreenTiming> {
  const { runIds, ...timing } = await timeRunsStarted(dataSource, undefined, () =>
    dataSource.transaction(async (manager) => {
      const sites = await manager.query<{ site_id: string; time_zone: string }[]>(
        `SELECT DISTINCT ts.site_id, s.time_zone FROM trial_site ts JOIN site s ON s.id = ts.site_id
        WHERE ts.trial_id = ANY($1::uuid[]) ORDER BY ts.site_id`,
        [trialIds],
      );
      const trials = await manager.query<{ id: string; criteria_version: number }[]>(
        `SELECT id, criteria_version FROM trial WHERE id = ANY($1::uuid[])`,
        [trialIds],
      );
      const ids: string[] = [];
      for (const { site_id: siteId, time_zone: timeZone } of sites) {
        const forDay = dateInTimeZone(at, timeZone);
        // The worker's own tick may have started this site's day already (one run per trial and day): the
        // benchmark's database is its own, so that day's re-screen is replaced by the one measured here.
        await manager.query(
          `DELETE FROM screening_partition WHERE run_id IN (SELECT id FROM screening_run WHERE daily_rescreen_id IN
           (SELECT id FROM daily_rescreen WHERE site_id = $1 AND for_date = $2))`,
          [siteId, forDay],
        );
        await manager.query(
          `DELETE FROM screening_run WHERE daily_rescreen_id IN
           (SELECT id FROM daily_rescreen WHERE site_id = $1 AND for_date = $2)`,
          [siteId, forDay],
        );
        await manager.query(`DELETE FROM daily_rescreen WHERE site_id = $1 AND for_date = $2`, [
          siteId,
          forDay,
        ]);
        const [row] = await manager.query<{ id: string }[]>(
          `INSERT INTO daily_rescreen (site_id, for_date) VALUES ($1, $2) RETURNING id`,
          [siteId, forDay],
        );
        ids.push(
          ...(await startScreeningRuns(
            manager,
            trials.map((t) => ({ id: t.id, criteriaVersion: t.criteria_version })),
            'benchmark_daily',
            { dailyRescreenId: row.id, siteId, forDate: forDay },
          )),
        );
      }
      return ids;
    }),
  );
  // A site's runs each count the site's due participants for their trial; a participant is walked once per site.
  const [{ walked, evaluations }] = await dataSource.query<{ walked: number; evaluations: number }[]>(
    `SELECT coalesce(sum(per_site.most), 0)::int AS walked, coalesce(sum(per_site.total), 0)::int AS evaluations
       FROM (SELECT max(total) AS most, sum(total) AS total FROM screening_run WHERE id = ANY($1::uuid[])
              GROUP BY daily_rescreen_id) per_site`,
    [runIds],
  );
  return { ...timing, walked, evaluations };
}
