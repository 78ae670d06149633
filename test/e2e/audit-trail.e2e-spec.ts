import { recordAudit } from '@registry/persistence';
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

  it('lets the database refuse UPDATE, DELETE and TRUNCATE on the trail', async () => {
    await expect(api.dataSource.query(`UPDATE audit_event SET reason = 'edited'`)).rejects.toThrow(
      /append-only: UPDATE refused/,
    );
    await expect(api.dataSource.query(`DELETE FROM audit_event`)).rejects.toThrow(
      /append-only: DELETE refused/,
    );
    await expect(api.dataSource.query(`TRUNCATE audit_event`)).rejects.toThrow(
      /append-only: TRUNCATE refused/,
    );
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
    await api.dataSource.query(`
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
    await api.dataSource.query(`
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
    expect(verify.body).toEqual({ valid: true, checked: await countAudit(api) });
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
    await api
      .http()
      .get('/api/v1/audit/verify')
      .set(fixture.admin.auth)
      .expect(200, { valid: true, checked: await countAudit(api) });
    const id = await middleRow();
    await api.dataSource.query(`
      ALTER TABLE audit_event DISABLE TRIGGER audit_event_immutable;
      UPDATE audit_event SET reason = 'nothing to see here' WHERE id = ${id};
      ALTER TABLE audit_event ENABLE TRIGGER audit_event_immutable;`);
    const verify = await api.http().get('/api/v1/audit/verify').set(fixture.admin.auth).expect(200);
    expect(verify.body).toEqual({
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
    await api.dataSource.query(`
      ALTER TABLE audit_event DISABLE TRIGGER audit_event_immutable;
      DELETE FROM audit_event WHERE id = ${id};
      ALTER TABLE audit_event ENABLE TRIGGER audit_event_immutable;`);
    const verify = await api.http().get('/api/v1/audit/verify').set(fixture.admin.auth).expect(200);
    expect(verify.body).toEqual({
      valid: false,
      checked: 5,
      firstBrokenLink: { id: next, problem: 'link_mismatch' },
    });
  });
});
