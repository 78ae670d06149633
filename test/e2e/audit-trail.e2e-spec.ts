import {
  APP_DATABASE_ROLE,
  auditTamperingRights,
  recordAudit,
  signCheckpoint,
  writeAuditCheckpoint,
} from '@registry/persistence';
import { createTestSystem, startApi, TestApi, TestSystem } from '../support/harness';
import { createIdentityFixture, identityEnv, IdentityFixture } from '../support/identity-fixture';

async function startIdentitySystem(): Promise<{
  system: TestSystem;
  api: TestApi;
  fixture: IdentityFixture;
}> {
  const system = await createTestSystem(identityEnv);
  const api = await startApi(system.config);
  return { system, api, fixture: await createIdentityFixture(api) };
}

const countAudit = async (api: TestApi, action?: string): Promise<number> => {
  const [{ count }] = await api.dataSource.query<{ count: number }[]>(
    `SELECT count(*)::int AS count FROM audit_event ${action ? 'WHERE action = $1' : ''}`,
    action ? [action] : [],
  );
  return count;
};

describe('audit trail', () => {
  let system: TestSystem;
  let api: TestApi;
  let fixture: IdentityFixture;

  beforeAll(async () => {
    ({ system, api, fixture } = await startIdentitySystem());
  });

  afterAll(async () => {
    await api?.close();
    await system?.shutdown();
  });

  it('records who, when (UTC), what (old and new) and why, with the request id', async () => {
    const before = Date.now();
    const res = await api
      .http()
      .patch(`/api/v1/sites/${fixture.sites.tokyo}`)
      .set(fixture.admin.auth)
      .send({
        name: 'Tokyo Memory Clinic',
        timeZone: 'Asia/Tokyo',
        reason: 'Official name from the site contract',
      })
      .expect(200);
    const audit = await api
      .http()
      .get(`/api/v1/audit?entityType=site&entityId=${fixture.sites.tokyo}`)
      .set(fixture.admin.auth)
      .expect(200);
    const event = audit.body.items[0];
    expect(event).toMatchObject({
      actorUserId: fixture.admin.id,
      actorRole: 'admin',
      action: 'site.updated',
      entityType: 'site',
      entityId: fixture.sites.tokyo,
      siteId: fixture.sites.tokyo,
      changes: [{ field: 'name', old: 'Tokyo', new: 'Tokyo Memory Clinic' }],
      reason: 'Official name from the site contract',
      requestId: res.headers['x-request-id'],
    });
    expect(event.occurredAt).toMatch(/Z$/);
    expect(Date.parse(event.occurredAt)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('refuses a change of recorded data without a reason, naming the field', async () => {
    const res = await api
      .http()
      .patch(`/api/v1/sites/${fixture.sites.tokyo}`)
      .set(fixture.admin.auth)
      .send({ name: 'X site' })
      .expect(400);
    expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'reason' })]));
    const site = await api.http().get(`/api/v1/sites/${fixture.sites.tokyo}`).set(fixture.admin.auth);
    expect(site.body.name).toBe('Tokyo Memory Clinic');
  });

  it('filters by entity, actor and time', async () => {
    const byActor = await api
      .http()
      .get(`/api/v1/audit?actor=${fixture.coordinatorTokyo.id}`)
      .set(fixture.admin.auth)
      .expect(200);
    expect(byActor.body.items.length).toBeGreaterThan(0);
    expect(
      byActor.body.items.every((e: { actorUserId: string }) => e.actorUserId === fixture.coordinatorTokyo.id),
    ).toBe(true);
    const future = await api
      .http()
      .get('/api/v1/audit?from=2200-01-01T00:00:00Z')
      .set(fixture.admin.auth)
      .expect(200);
    expect(future.body).toMatchObject({ items: [], total: 0 });
    const bad = await api.http().get('/api/v1/audit?from=yesterday').set(fixture.admin.auth).expect(400);
    expect(bad.body.details[0]).toMatchObject({ field: 'from', constraint: 'isIso8601' });
  });

  it('lets the database refuse UPDATE, DELETE and TRUNCATE on the trail, even to its owner', async () => {
    await expect(system.asOwner(`UPDATE audit_event SET reason = 'edited'`)).rejects.toThrow(
      /append-only: UPDATE refused/,
    );
    await expect(system.asOwner(`DELETE FROM audit_event`)).rejects.toThrow(/append-only: DELETE refused/);
    await expect(system.asOwner(`TRUNCATE audit_event`)).rejects.toThrow(/append-only: TRUNCATE refused/);
  });

  it('runs the API as a role that may only read and append the trail and its checkpoints', async () => {
    const [role] = await api.dataSource.query<{ rolname: string; rolsuper: boolean }[]>(
      `SELECT rolname, rolsuper FROM pg_roles WHERE rolname = current_user`,
    );
    expect(role).toEqual({ rolname: APP_DATABASE_ROLE, rolsuper: false });
    expect(await auditTamperingRights(api.dataSource)).toEqual([]);
    for (const table of ['audit_event', 'audit_checkpoint']) {
      for (const statement of [
        `UPDATE ${table} SET id = id`,
        `DELETE FROM ${table}`,
        `TRUNCATE ${table}`,
        // Locking rows needs UPDATE too.
        `SELECT 1 FROM ${table} FOR UPDATE`,
      ]) {
        await expect(api.dataSource.query(statement)).rejects.toThrow(/permission denied/);
      }
      for (const statement of [
        `ALTER TABLE ${table} DISABLE TRIGGER ALL`,
        `ALTER TABLE ${table} DISABLE TRIGGER ${table === 'audit_event' ? 'audit_event_immutable' : 'audit_checkpoint_immutable'}`,
        `DROP TRIGGER ${table === 'audit_event' ? 'audit_event_chain' : 'audit_checkpoint_no_truncate'} ON ${table}`,
        `DROP TABLE ${table}`,
      ]) {
        await expect(api.dataSource.query(statement)).rejects.toThrow(/must be owner/);
      }
    }
    // Nor can it switch triggers off for its session, or hand itself more rights.
    await expect(api.dataSource.query(`SET session_replication_role = replica`)).rejects.toThrow(
      /permission denied/,
    );
    // A GRANT by a non-owner grants nothing (PostgreSQL only warns).
    await api.dataSource.query(`GRANT UPDATE, DELETE, TRUNCATE ON audit_event TO ${APP_DATABASE_ROLE}`);
    const [rights] = await api.dataSource.query<{ change: boolean }[]>(
      `SELECT has_table_privilege('audit_event', 'UPDATE, DELETE, TRUNCATE, TRIGGER') AS change`,
    );
    expect(rights.change).toBe(false);
    // What it needs: append to the trail and read it back.
    const before = await countAudit(api);
    await api.dataSource.transaction((manager) =>
      recordAudit(manager, {
        action: 'site.updated',
        entityType: 'site',
        reason: 'appended by the app role',
      }),
    );
    expect(await countAudit(api)).toBe(before + 1);
  });

  it('keeps no audit row of a change that rolled back', async () => {
    const before = await countAudit(api);
    await expect(
      api.dataSource.transaction(async (manager) => {
        await recordAudit(manager, {
          action: 'site.updated',
          entityType: 'site',
          entityId: fixture.sites.boston,
          reason: 'doomed',
        });
        throw new Error('the change failed after its audit row was written');
      }),
    ).rejects.toThrow('the change failed');
    expect(await countAudit(api)).toBe(before);
  });

  it('keeps neither the change nor its audit row when the commit itself fails', async () => {
    // A deferred check fires at COMMIT, after both the site row and its audit row were written.
    await system.asOwner(`
      CREATE FUNCTION refuse_doomed_name() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.name = 'Doomed' THEN RAISE EXCEPTION 'refused at commit'; END IF; RETURN NEW; END $$;
      CREATE CONSTRAINT TRIGGER refuse_doomed_name AFTER UPDATE ON site DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION refuse_doomed_name();`);
    const before = await countAudit(api, 'site.updated');
    await api
      .http()
      .patch(`/api/v1/sites/${fixture.sites.boston}`)
      .set(fixture.admin.auth)
      .send({ name: 'Doomed', reason: 'test' })
      .expect(500);
    expect(await countAudit(api, 'site.updated')).toBe(before);
    const site = await api.http().get(`/api/v1/sites/${fixture.sites.boston}`).set(fixture.admin.auth);
    expect(site.body.name).toBe('Boston');
  });

  it('fails the change when its audit row cannot be written', async () => {
    await system.asOwner(`
      CREATE FUNCTION refuse_site_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.action = 'site.updated' AND NEW.reason = 'audit will fail' THEN RAISE EXCEPTION 'audit store refused'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER refuse_site_audit BEFORE INSERT ON audit_event FOR EACH ROW EXECUTE FUNCTION refuse_site_audit();`);
    await api
      .http()
      .patch(`/api/v1/sites/${fixture.sites.boston}`)
      .set(fixture.admin.auth)
      .send({ name: 'Boston Brain Health', reason: 'audit will fail' })
      .expect(500);
    const site = await api.http().get(`/api/v1/sites/${fixture.sites.boston}`).set(fixture.admin.auth);
    expect(site.body.name).toBe('Boston');
  });

  it('keeps one unbroken chain when many audited changes commit at once', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `Concurrent sponsor ${i}`);
    const results = await Promise.all(
      names.map((name) =>
        api.http().post('/api/v1/sponsor-organisations').set(fixture.admin.auth).send({ name }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(names.map(() => 201));
    const verify = await api.http().get('/api/v1/audit/verify').set(fixture.admin.auth).expect(200);
    const count = await countAudit(api);
    expect(verify.body).toEqual({
      valid: true,
      checked: count,
      checkpoints: { valid: true, checked: 0, rowsAfterNewest: count },
    });
  });
});

describe('audit trail verification finds tampering by a superuser', () => {
  let system: TestSystem;
  let api: TestApi;
  let fixture: IdentityFixture;

  beforeEach(async () => {
    ({ system, api, fixture } = await startIdentitySystem());
  });

  afterEach(async () => {
    await api?.close();
    await system?.shutdown();
  });

  const middleRow = async (): Promise<string> => {
    const [{ id }] = await api.dataSource.query(
      `SELECT a.id::text AS id FROM audit_event a ORDER BY a.id OFFSET 5 LIMIT 1`,
    );
    return id as string;
  };

  it('reports an edited row as a hash mismatch', async () => {
    const count = await countAudit(api);
    await api
      .http()
      .get('/api/v1/audit/verify')
      .set(fixture.admin.auth)
      .expect(200, {
        valid: true,
        checked: count,
        checkpoints: { valid: true, checked: 0, rowsAfterNewest: count },
      });
    const id = await middleRow();
    await system.asOwner(`
      ALTER TABLE audit_event DISABLE TRIGGER audit_event_immutable;
      UPDATE audit_event SET reason = 'nothing to see here' WHERE id = ${id};
      ALTER TABLE audit_event ENABLE TRIGGER audit_event_immutable;`);
    const verify = await api.http().get('/api/v1/audit/verify').set(fixture.admin.auth).expect(200);
    expect(verify.body).toMatchObject({
      valid: false,
      checked: 5,
      firstBrokenLink: { id, problem: 'hash_mismatch' },
    });
  });

  it('reports a deleted row as a broken link at the row after it', async () => {
    const id = await middleRow();
    const [{ next }] = await api.dataSource.query(
      `SELECT min(id)::text AS next FROM audit_event WHERE id > ${id}`,
    );
    await system.asOwner(`
      ALTER TABLE audit_event DISABLE TRIGGER audit_event_immutable;
      DELETE FROM audit_event WHERE id = ${id};
      ALTER TABLE audit_event ENABLE TRIGGER audit_event_immutable;`);
    const verify = await api.http().get('/api/v1/audit/verify').set(fixture.admin.auth).expect(200);
    expect(verify.body).toMatchObject({
      valid: false,
      checked: 5,
      firstBrokenLink: { id: next, problem: 'link_mismatch' },
    });
  });
});

describe('audit checkpoints find a rewrite by whoever controls the database', () => {
  let system: TestSystem;
  let api: TestApi;
  let fixture: IdentityFixture;

  beforeEach(async () => {
    ({ system, api, fixture } = await startIdentitySystem());
  });

  afterEach(async () => {
    await api?.close();
    await system?.shutdown();
  });

  const verify = async (): Promise<Record<string, unknown>> =>
    (await api.http().get('/api/v1/audit/verify').set(fixture.admin.auth).expect(200)).body as Record<
      string,
      unknown
    >;

  /** One more audited change, so that the head of the chain moves. */
  const auditedChange = (name: string) =>
    api.http().post('/api/v1/sponsor-organisations').set(fixture.admin.auth).send({ name }).expect(201);

  /** Written by the app role, as the worker's scheduled job does. */
  const checkpoint = async () => {
    const outcome = await writeAuditCheckpoint(
      api.dataSource,
      system.config.AUDIT_CHECKPOINT_KEY,
      new Date(),
    );
    if (outcome.status !== 'written') throw new Error(`no checkpoint written: ${outcome.reason}`);
    return outcome.checkpoint;
  };

  /** What a superuser can do: edit a row, then recompute every hash and link after it, so the chain holds. */
  const rewriteAndRechain = (id: string) =>
    system.asOwner(`
      ALTER TABLE audit_event DISABLE TRIGGER audit_event_immutable;
      UPDATE audit_event SET reason = 'nothing to see here' WHERE id = ${id};
      DO $$ DECLARE r audit_event; previous text := repeat('0', 64); BEGIN
        FOR r IN SELECT * FROM audit_event ORDER BY id LOOP
          r.prev_hash := previous;
          UPDATE audit_event SET prev_hash = previous, hash = audit_event_row_hash(r) WHERE id = r.id
            RETURNING hash INTO previous;
        END LOOP;
      END $$;
      ALTER TABLE audit_event ENABLE TRIGGER audit_event_immutable;`);

  it('signs the head once, reports the newest checkpoint and the rows only the chain covers', async () => {
    const written = await checkpoint();
    await expect(
      writeAuditCheckpoint(api.dataSource, system.config.AUDIT_CHECKPOINT_KEY, new Date()),
    ).resolves.toEqual({
      status: 'skipped',
      reason: 'head_unchanged',
    });
    await auditedChange('After the checkpoint');
    const count = await countAudit(api);
    expect(await verify()).toEqual({
      valid: true,
      checked: count,
      checkpoints: {
        valid: true,
        checked: 1,
        newest: {
          id: written.id,
          headEventId: written.headEventId,
          createdAt: written.createdAt.toISOString(),
        },
        rowsAfterNewest: 1,
      },
    });
  });

  it('fails when a row before a checkpoint was rewritten and the whole chain recomputed', async () => {
    const [{ id }] = await system.asOwner<{ id: string }>(
      `SELECT a.id::text AS id FROM audit_event a ORDER BY a.id OFFSET 3 LIMIT 1`,
    );
    const written = await checkpoint();
    await auditedChange('After the checkpoint');
    await rewriteAndRechain(id);
    const body = await verify();
    // The chain alone would pass: that is what a superuser can achieve.
    expect(body).toMatchObject({ checked: await countAudit(api) });
    expect(body.firstBrokenLink).toBeUndefined();
    expect(body).toMatchObject({
      valid: false,
      checkpoints: {
        valid: false,
        checked: 0,
        firstInvalid: { id: written.id, problem: 'head_hash_mismatch' },
      },
    });
  });

  it('fails when the newest rows were cut back to before a checkpoint', async () => {
    await checkpoint();
    await auditedChange('Covered by the second checkpoint');
    const second = await checkpoint();
    await auditedChange('After the second checkpoint');
    await system.asOwner(`
      ALTER TABLE audit_event DISABLE TRIGGER audit_event_immutable;
      DELETE FROM audit_event WHERE id >= ${second.headEventId};
      ALTER TABLE audit_event ENABLE TRIGGER audit_event_immutable;`);
    const body = await verify();
    expect(body.firstBrokenLink).toBeUndefined(); // a cut tail leaves a valid chain
    expect(body).toMatchObject({
      valid: false,
      checkpoints: { valid: false, checked: 1, firstInvalid: { id: second.id, problem: 'head_missing' } },
    });
  });

  it('fails on a checkpoint not signed with our key', async () => {
    await checkpoint();
    await auditedChange('Forged over');
    const [head] = await api.dataSource.query<{ id: string; hash: string }[]>(
      `SELECT a.id::text AS id, a.hash FROM audit_event a ORDER BY a.id DESC LIMIT 1`,
    );
    const createdAt = new Date();
    const forged = signCheckpoint('another key, not the one the apps hold, 0123456789', {
      headEventId: head.id,
      headHash: head.hash,
      createdAt,
    });
    const [{ id }] = await api.dataSource.query<{ id: string }[]>(
      `INSERT INTO audit_checkpoint (head_event_id, head_hash, created_at, signature)
       VALUES ($1, $2, $3, $4) RETURNING id::text AS id`,
      [head.id, head.hash, createdAt, forged],
    );
    expect(await verify()).toMatchObject({
      valid: false,
      checkpoints: { valid: false, checked: 1, firstInvalid: { id, problem: 'signature_invalid' } },
    });
  });
});
