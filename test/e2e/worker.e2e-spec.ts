import type { INestApplicationContext } from '@nestjs/common';
import { JobName, QueueName } from '@registry/jobs';
import { redisOptionsFromUrl } from '@registry/platform';
import { Job, Queue } from 'bullmq';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createTestSystem, startWorker, TestSystem } from '../support/harness';

describe('worker', () => {
  let system: TestSystem;
  let queue: Queue;
  let db: Client;

  beforeAll(async () => {
    system = await createTestSystem();
    queue = new Queue(QueueName.Maintenance, {
      prefix: system.config.REDIS_KEY_PREFIX,
      connection: redisOptionsFromUrl(system.config.REDIS_URL),
    });
    db = new Client({ connectionString: system.config.DATABASE_URL });
    await db.connect();
  });

  afterAll(async () => {
    await queue?.close();
    await db?.end();
    await system?.shutdown();
  });

  async function waitForState(job: Job, states: string[], timeoutMs = 10000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await job.getState();
      if (states.includes(state)) return state;
      if (Date.now() > deadline) throw new Error(`job ${job.id} still ${state}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  describe('running', () => {
    let worker: INestApplicationContext;
    beforeAll(async () => {
      worker = await startWorker(system.config);
    });
    afterAll(async () => {
      await worker?.close();
    });

    it('registers the recurring jobs once, under stable ids', async () => {
      const second = await startWorker(system.config); // a second process must not add a second schedule
      await second.close();
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers.map((s) => s.key).sort()).toEqual([
        'maintenance:audit-checkpoint:5min',
        'maintenance:prune-outbox:daily',
      ]);
      expect(schedulers.find((s) => s.key === 'maintenance:prune-outbox:daily')).toMatchObject({
        pattern: '30 3 * * *',
        tz: 'UTC',
      });
      expect(schedulers.find((s) => s.key === 'maintenance:audit-checkpoint:5min')).toMatchObject({
        pattern: '*/5 * * * *',
        tz: 'UTC',
      });
    });

    it('signs the head of the audit chain as the app role, and only when it moved', async () => {
      const checkpoint = async () => {
        const job = await queue.add(JobName.WriteAuditCheckpoint, {});
        expect(await waitForState(job, ['completed', 'failed'])).toBe('completed');
        return (await Job.fromId(queue, job.id!))?.returnvalue as { status: string; detail: object };
      };
      // The test's own connection is the app role's, as the worker's is: it may append to the trail.
      await db.query(`INSERT INTO audit_event (actor_role, action, entity_type, changes)
                      VALUES ('system', 'test.appended', 'test', '[]')`);
      const { rows: head } = await db.query<{ id: string; hash: string }>(
        `SELECT a.id::text AS id, a.hash FROM audit_event a ORDER BY a.id DESC LIMIT 1`,
      );
      expect(await checkpoint()).toMatchObject({ status: 'done', detail: { headEventId: head[0].id } });
      expect(await checkpoint()).toEqual({ status: 'skipped', detail: { reason: 'head_unchanged' } });
      const { rows } = await db.query(
        `SELECT head_event_id::text AS "headEventId", head_hash AS "headHash", signature FROM audit_checkpoint`,
      );
      expect(rows).toEqual([
        {
          headEventId: head[0].id,
          headHash: head[0].hash,
          signature: expect.stringMatching(/^[0-9a-f]{64}$/),
        },
      ]);
    });

    it('runs its statements without JIT compilation, on every connection of its pool', async () => {
      const dataSource = worker.get(DataSource);
      const settings = await Promise.all(
        [1, 2, 3].map(() =>
          dataSource.query<{ jit: string }[]>(`SELECT current_setting('jit') AS jit, pg_sleep(0.05)`),
        ),
      );
      expect(settings.map(([row]) => row.jit)).toEqual(['off', 'off', 'off']);
      // A session of its own (this test's) keeps the server's default.
      const { rows } = await db.query<{ jit: string }>(`SELECT current_setting('jit') AS jit`);
      expect(rows[0].jit).toBe('on');
    });

    it('prunes only published outbox events older than the limit, and says what it did', async () => {
      await db.query(`
        INSERT INTO outbox_event (topic, aggregate_type, aggregate_id, occurred_at, published_at) VALUES
          ('test.old_published', 'test', '1', now() - interval '10 days', now() - interval '10 days'),
          ('test.new_published', 'test', '2', now() - interval '1 day', now() - interval '1 day'),
          ('test.old_unpublished', 'test', '3', now() - interval '30 days', NULL)`);
      const job = await queue.add(JobName.PruneOutbox, { olderThanDays: 7 });
      expect(await waitForState(job, ['completed', 'failed'])).toBe('completed');
      const finished = await Job.fromId(queue, job.id!);
      expect(finished?.returnvalue).toEqual({ status: 'done', detail: { deleted: 1 } });
      const { rows } = await db.query<{ topic: string }>('SELECT topic FROM outbox_event ORDER BY id');
      expect(rows.map((r) => r.topic)).toEqual(['test.new_published', 'test.old_unpublished']);
    });
  });

  it('finishes the job in flight before it shuts down', async () => {
    const worker = await startWorker(system.config);
    // Hold a lock the prune job needs, so that it is still running when shutdown begins.
    const blocker = new Client({ connectionString: system.config.DATABASE_URL });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE outbox_event IN ACCESS EXCLUSIVE MODE');

    const job = await queue.add(JobName.PruneOutbox, { olderThanDays: 7 });
    await waitForState(job, ['active']);

    let closedAt = 0;
    const closing = worker.close().then(() => (closedAt = Date.now()));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(closedAt).toBe(0); // still waiting for the job
    const releasedAt = Date.now();
    await blocker.query('COMMIT');
    await blocker.end();
    await closing;

    expect(closedAt).toBeGreaterThanOrEqual(releasedAt);
    expect(await job.getState()).toBe('completed');
  });
});
