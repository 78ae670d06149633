import { addDays } from '@registry/domain';
import { FixedClock } from '@registry/platform';
import {
  createConsentDocument,
  defaultProtocolId,
  enrolConsentedParticipant,
} from '../support/cohort-fixture';
import { createTestSystem, startApi, TestApi, TestSystem } from '../support/harness';
import {
  createIdentityFixture,
  identityEnv,
  IdentityFixture,
  login,
  PASSWORD,
} from '../support/identity-fixture';

interface ScheduleBody {
  today: string;
  visits: { code: string; windowStart: string; windowEnd: string; status: string }[];
}

/**
 * Every reading of "now" in the API goes through the injected Clock, so a test can choose the day: log-in
 * and tokens, the site's today in a schedule, and the overdue filter all follow a FixedClock set years ahead.
 */
describe('the API on a chosen day (FixedClock)', () => {
  // 00:30 UTC: already 1 June in Tokyo (UTC+9), still 31 May in Boston.
  const clock = new FixedClock('2031-06-01T00:30:00Z');
  let system: TestSystem;
  let api: TestApi;
  let f: IdentityFixture;
  let participantId: string;

  // Access tokens expire by the clock too, so each step logs in afresh on the day it is set to.
  const coordinatorAuth = async () => (await login(api, f.coordinatorTokyo.email)).auth;

  const schedule = async (): Promise<ScheduleBody> =>
    (
      await api
        .http()
        .get(`/api/v1/participants/${participantId}/schedule`)
        .set(await coordinatorAuth())
        .expect(200)
    ).body as ScheduleBody;

  const overdueIds = async (): Promise<string[]> => {
    const res = await api
      .http()
      .get('/api/v1/participants?overdue=true&pageSize=100')
      .set(await coordinatorAuth())
      .expect(200);
    return (res.body as { items: { id: string }[] }).items.map((p) => p.id);
  };

  beforeAll(async () => {
    // Many log-ins in this file: each step logs in afresh on its day. The per-IP rate limit is not under test.
    system = await createTestSystem({ ...identityEnv, LOGIN_RATE_LIMIT_PER_MINUTE: '1000' });
    api = await startApi(system.config, [], { clock });
    // Log-in, token expiry and every request below run on the fixed clock's day, years from the machine's.
    f = await createIdentityFixture(api);
    const documentId = await createConsentDocument(api, f.admin);
    participantId = await enrolConsentedParticipant(api, f, documentId);
    await api
      .http()
      .post(`/api/v1/participants/${participantId}/protocol`)
      .set(f.coordinatorTokyo.auth)
      .send({ protocolId: await defaultProtocolId(api, f.coordinatorTokyo), baselineDate: '2031-06-01' })
      .expect(201);
  });

  afterAll(async () => {
    await api?.close();
    await system?.shutdown();
  });

  it('gives the schedule’s today as the clock’s day at the site, not the machine’s', async () => {
    clock.set('2031-06-01T00:30:00Z');
    expect((await schedule()).today).toBe('2031-06-01');
    clock.set('2031-05-31T14:59:00Z'); // one minute before midnight in Tokyo
    expect((await schedule()).today).toBe('2031-05-31');
  });

  it('expires an access token by the clock, not by the machine’s time', async () => {
    clock.set('2031-06-01T00:30:00Z');
    const { auth } = await login(api, f.coordinatorTokyo.email);
    await api.http().get('/api/v1/auth/me').set(auth).expect(200);
    clock.set(
      new Date(Date.parse('2031-06-01T00:30:00Z') + (system.config.ACCESS_TOKEN_TTL_SECONDS + 1) * 1000),
    );
    await api.http().get('/api/v1/auth/me').set(auth).expect(401);
  });

  it('locks an account after too many failures, and lets it in again once the clock passes the lock', async () => {
    const start = Date.parse('2031-06-01T00:30:00Z');
    clock.set(new Date(start));
    const email = f.monitorTokyo.email;
    for (let attempt = 0; attempt < system.config.LOGIN_MAX_FAILED_ATTEMPTS; attempt++) {
      await api.http().post('/api/v1/auth/login').send({ email, password: 'not the password' }).expect(401);
    }
    const locked = await api.http().post('/api/v1/auth/login').send({ email, password: PASSWORD });
    expect(locked.status).toBe(401);
    clock.set(new Date(start + (system.config.LOGIN_LOCK_SECONDS - 1) * 1000));
    await api.http().post('/api/v1/auth/login').send({ email, password: PASSWORD }).expect(401);
    clock.set(new Date(start + (system.config.LOGIN_LOCK_SECONDS + 1) * 1000));
    await api.http().post('/api/v1/auth/login').send({ email, password: PASSWORD }).expect(200);
  });

  it('moves a visit from upcoming to window open to overdue as the clock is set, and the overdue filter with it', async () => {
    clock.set('2031-06-01T00:30:00Z');
    const laterVisit = (await schedule()).visits.find((v) => v.windowStart > '2031-06-01')!;
    const atTokyoNoon = (day: string) => `${day}T03:00:00Z`;

    clock.set(atTokyoNoon(addDays(laterVisit.windowStart, -1)));
    expect((await schedule()).visits.find((v) => v.code === laterVisit.code)?.status).toBe('upcoming');

    clock.set(atTokyoNoon(laterVisit.windowStart));
    expect((await schedule()).visits.find((v) => v.code === laterVisit.code)?.status).toBe('window_open');

    clock.set(atTokyoNoon(addDays(laterVisit.windowEnd, 1)));
    const after = await schedule();
    expect(after.today).toBe(addDays(laterVisit.windowEnd, 1));
    expect(after.visits.find((v) => v.code === laterVisit.code)?.status).toBe('overdue');
    expect(await overdueIds()).toContain(participantId);

    clock.set(atTokyoNoon(laterVisit.windowStart));
    expect(await overdueIds()).not.toContain(participantId);
  });
});
