import { createTestSystem, startApi, TestApi, TestSystem } from '../support/harness';
import { createIdentityFixture, identityEnv, IdentityFixture } from '../support/identity-fixture';

/** The inbox through the API: each user's own notifications, of the sites they work at, with the unread count. */
describe('notifications inbox', () => {
  let system: TestSystem;
  let api: TestApi;
  let f: IdentityFixture;
  let counter = 0;

  /** A notification as the worker writes it (a reminder and its notification to one user). */
  const notify = async (recipientId: string, siteId: string, subject: string): Promise<string> => {
    const [row] = await api.dataSource.query<{ id: string }[]>(
      `WITH r AS (
         INSERT INTO reminder (site_id, kind, subject_key, about_day, sent_on, facts)
         VALUES ($1, 'visit_window_open', $2, current_date, current_date, '{}') RETURNING id)
       INSERT INTO notification (reminder_id, recipient_id, kind, language, subject, body, site_id, email)
       SELECT r.id, $3, 'visit_window_open', 'en', $4, 'body', $1, 'not_sent' FROM r RETURNING id`,
      [siteId, `visit:test-${counter++}`, recipientId, subject],
    );
    return row.id;
  };

  beforeAll(async () => {
    system = await createTestSystem(identityEnv);
    api = await startApi(system.config);
    f = await createIdentityFixture(api);
    await notify(f.coordinatorTokyo.id, f.sites.tokyo, 'first');
    await notify(f.coordinatorTokyo.id, f.sites.tokyo, 'second');
    await notify(f.coordinatorTokyo.id, f.sites.tokyo, 'third');
    // Addressed to the Tokyo coordinator but of a site they do not work at (any more): not shown.
    await notify(f.coordinatorTokyo.id, f.sites.boston, 'boston');
    await notify(f.coordinatorBoston.id, f.sites.boston, 'for boston');
  });

  afterAll(async () => {
    await api?.close();
    await system?.shutdown();
  });

  const inbox = (query = '') =>
    api.http().get(`/api/v1/notifications${query}`).set(f.coordinatorTokyo.auth).expect(200);

  it("lists the user's own notifications of their sites, newest first, with the unread count", async () => {
    const res = await inbox();
    expect(res.body.items.map((n: { subject: string }) => n.subject)).toEqual(['third', 'second', 'first']);
    expect(res.body).toMatchObject({ total: 3, unread: 3, page: 1, pageSize: 50 });
    const page2 = await inbox('?pageSize=2&page=2');
    expect(page2.body.items.map((n: { subject: string }) => n.subject)).toEqual(['first']);
    expect(page2.body.total).toBe(3);
  });

  it('marks one read: the unread count drops, reading it again keeps the first read time', async () => {
    const [newest] = (await inbox()).body.items as { id: string; readAt: string | null }[];
    const first = await api
      .http()
      .post(`/api/v1/notifications/${newest.id}/read`)
      .set(f.coordinatorTokyo.auth)
      .expect(200);
    expect(first.body.readAt).not.toBeNull();
    const again = await api
      .http()
      .post(`/api/v1/notifications/${newest.id}/read`)
      .set(f.coordinatorTokyo.auth)
      .expect(200);
    expect(again.body.readAt).toBe(first.body.readAt);
    expect((await inbox()).body.unread).toBe(2);
    const unread = await inbox('?unread=true');
    expect(unread.body.items.map((n: { subject: string }) => n.subject)).toEqual(['second', 'first']);
    expect(unread.body).toMatchObject({ total: 2, unread: 2 });
  });

  it("cannot read or mark another user's notification (404), and refuses a malformed id or filter (400)", async () => {
    const theirs = await notify(f.coordinatorBoston.id, f.sites.boston, 'theirs');
    await api.http().post(`/api/v1/notifications/${theirs}/read`).set(f.coordinatorTokyo.auth).expect(404);
    await api.http().post(`/api/v1/notifications/${theirs}/read`).set(f.admin.auth).expect(404);
    const boston = await api.http().get('/api/v1/notifications').set(f.coordinatorBoston.auth).expect(200);
    expect(boston.body.items.map((n: { subject: string }) => n.subject)).toEqual(['theirs', 'for boston']);
    const bad = await api.http().post('/api/v1/notifications/nope/read').set(f.coordinatorTokyo.auth);
    expect(bad.status).toBe(400);
    const badFilter = await api.http().get('/api/v1/notifications?unread=maybe').set(f.coordinatorTokyo.auth);
    expect(badFilter.status).toBe(400);
    expect(JSON.stringify(badFilter.body)).toContain('unread');
  });

  it('keeps language and e-mail preference per user, validated and audited', async () => {
    const before = await api
      .http()
      .get('/api/v1/notifications/settings')
      .set(f.coordinatorTokyo.auth)
      .expect(200);
    expect(before.body).toEqual({ language: null, emailPreference: 'daily_digest' });
    const bad = await api
      .http()
      .put('/api/v1/notifications/settings')
      .set(f.coordinatorTokyo.auth)
      .send({ language: 'fr', emailPreference: 'daily_digest' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('language');
    await api
      .http()
      .put('/api/v1/notifications/settings')
      .set(f.coordinatorTokyo.auth)
      .send({ language: 'ja', emailPreference: 'immediate_flags' })
      .expect(200);
    const after = await api
      .http()
      .get('/api/v1/notifications/settings')
      .set(f.coordinatorTokyo.auth)
      .expect(200);
    expect(after.body).toEqual({ language: 'ja', emailPreference: 'immediate_flags' });
    const [audit] = await api.dataSource.query<{ changes: { field: string; new: string }[] }[]>(
      `SELECT changes FROM audit_event WHERE action = 'user.notification_settings_changed' AND entity_id = $1`,
      [f.coordinatorTokyo.id],
    );
    expect(audit.changes).toEqual([
      { field: 'language', old: null, new: 'ja' },
      { field: 'emailPreference', old: 'daily_digest', new: 'immediate_flags' },
    ]);
  });
});
