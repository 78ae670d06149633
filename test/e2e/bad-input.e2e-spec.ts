import { addDays } from '@registry/domain';
import {
  createConsentDocument,
  defaultProtocolId,
  enrolConsentedParticipant,
  personInput,
  tokyoToday,
} from '../support/cohort-fixture';
import { createTestSystem, startApi, TestApi, TestSystem } from '../support/harness';
import { createIdentityFixture, identityEnv, IdentityFixture } from '../support/identity-fixture';

interface Detail {
  field: string;
  constraint: string;
  message: string;
}

/** JSON text of `levels` objects nested under "a", written out: JSON.stringify itself overflows the stack on it. */
const nestedJson = (levels: number): string => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);

/**
 * Input that used to crash a route (500) or be silently accepted: each is a 400 in the one error shape naming
 * the field, and nothing is written.
 */
describe('bad input: 400 naming the field, nothing written', () => {
  let system: TestSystem;
  let api: TestApi;
  let f: IdentityFixture;
  let participantId: string;
  let unscheduledParticipantId: string;
  let scheduled: { id: string; code: string; targetDate: string; windowStart: string; windowEnd: string }[];

  beforeAll(async () => {
    system = await createTestSystem(identityEnv);
    api = await startApi(system.config);
    f = await createIdentityFixture(api);
    const documentId = await createConsentDocument(api, f.admin);
    participantId = await enrolConsentedParticipant(api, f, documentId);
    unscheduledParticipantId = await enrolConsentedParticipant(api, f, documentId, {
      identity: { familyName: 'Sato', givenName: 'Aiko' },
    });
    const protocolId = await defaultProtocolId(api, f.coordinatorTokyo);
    const res = await api
      .http()
      .post(`/api/v1/participants/${participantId}/protocol`)
      .set(coordinator())
      .send({ protocolId, baselineDate: addDays(tokyoToday(), -190) })
      .expect(201);
    scheduled = res.body.visits;
  });

  afterAll(async () => {
    await api?.close();
    await system?.shutdown();
  });

  const coordinator = () => f.coordinatorTokyo.auth;
  const count = async (table: string) =>
    (await api.dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM ${table}`))[0].n;
  /** Every table a refused request could have written to, counted. */
  const rowCounts = async () => ({
    participants: await count('participant'),
    identities: await count('participant_identity'),
    visits: await count('visit'),
    assessments: await count('assessment'),
    audit: await count('audit_event'),
    outbox: await count('outbox_event'),
    trials: await count('trial'),
  });
  const participantRow = (id: string) =>
    api.dataSource.query(
      `SELECT status, status_effective_date::text, protocol_id, baseline_date::text FROM participant WHERE id = $1`,
      [id],
    );
  const scheduleRows = (id: string) =>
    api.dataSource.query(
      `SELECT id, target_date::text, window_start::text, window_end::text FROM scheduled_visit
        WHERE participant_id = $1 ORDER BY id`,
      [id],
    );
  const fieldsOf = (body: { details?: Detail[] }) =>
    (body.details ?? []).map((d) => `${d.field} ${d.constraint}`);

  /** Sends `send`, expects 400 in the error shape naming `field` by `constraint`, and that nothing was written. */
  async function expectRefused(
    send: () => Promise<{ status: number; body: Record<string, unknown> }>,
    field: string,
    constraint: string,
    code = 'validation_failed',
  ): Promise<Detail> {
    const before = await rowCounts();
    const res = await send();
    expect({ status: res.status, fields: fieldsOf(res.body) }).toEqual({
      status: 400,
      fields: [`${field} ${constraint}`],
    });
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', code });
    expect(await rowCounts()).toEqual(before);
    return (res.body.details as Detail[])[0];
  }

  describe('JSON nested thousands of levels deep', () => {
    it('is refused on the unauthenticated log-in, naming where the limit of 32 levels was passed', async () => {
      const detail = await expectRefused(
        () =>
          api
            .http()
            .post('/api/v1/auth/login')
            .set('Content-Type', 'application/json')
            .send(`{"email": "a@b.test", "password": ${nestedJson(5000)}}`),
        `password${'.a'.repeat(31)}`,
        'maxDepth',
      );
      expect(detail.message).toContain('32 levels');
    });

    it('is refused on enrolment, as an array of arrays too', async () => {
      const person = JSON.stringify(personInput(f.sites.tokyo, { identity: 'DEEP' }));
      const deepArray = '['.repeat(5000) + ']'.repeat(5000);
      await expectRefused(
        () =>
          api
            .http()
            .post('/api/v1/participants')
            .set(coordinator())
            .set('Content-Type', 'application/json')
            .send(person.replace('"DEEP"', deepArray)),
        `identity${'[0]'.repeat(31)}`,
        'maxDepth',
      );
    });
  });

  describe('criteria documents, the deepest bodies', () => {
    /** Criteria nested `levels` deep through "all", the way that adds the most JSON levels per criterion. */
    const criteriaNested = (levels: number): unknown => {
      let criterion: unknown = { type: 'measure', measure: 'mmse.total', comparator: 'in', values: [29, 30] };
      for (let i = 1; i < levels; i++) criterion = { type: 'all', of: [criterion] };
      return criterion;
    };
    const createTrial = (criteria: unknown) =>
      api
        .http()
        .post('/api/v1/trials')
        .set(f.sponsorAlpha.auth)
        .send({
          title: 'Deep criteria',
          registryNumber: 'NCT05026866',
          phase: '3',
          status: 'draft',
          siteIds: [f.sites.tokyo],
          targetEnrolment: 10,
          criteria: { language: 1, criteria },
        });

    it('fit the JSON depth limit at their own limit of 12 levels', async () => {
      await createTrial(criteriaNested(12)).expect(201);
    });

    it('are refused one level deeper by the criteria validator, naming the JSON path of that level', async () => {
      await expectRefused(
        () => createTrial(criteriaNested(13)),
        `criteria.criteria${'.of[0]'.repeat(12)}`,
        'maxDepth',
        'criteria.invalid',
      );
    });
  });

  describe('dates at the edges of the calendar', () => {
    it('refuses a birth date in year 0000 and one before 1900', async () => {
      for (const birthDate of ['0000-01-01', '1899-12-31']) {
        await expectRefused(
          () =>
            api
              .http()
              .post('/api/v1/participants')
              .set(coordinator())
              .send(personInput(f.sites.tokyo, { birthDate })),
          'birthDate',
          'isCalendarDate',
        );
      }
    });

    it('refuses a reschedule to 9999-12-31, and one whose window would end after 2200-12-31', async () => {
      const m012 = scheduled.find((v) => v.code === 'M012')!;
      const before = await scheduleRows(participantId);
      const reschedule = (targetDate: string) => () =>
        api
          .http()
          .post(`/api/v1/participants/${participantId}/schedule/${m012.id}/reschedule`)
          .set(coordinator())
          .send({ targetDate, reason: 'Participant abroad' });
      await expectRefused(reschedule('9999-12-31'), 'targetDate', 'isCalendarDate');
      const detail = await expectRefused(reschedule('2200-12-20'), 'targetDate', 'derivedDateInRange');
      expect(detail.message).toContain('2201-01-17');
      expect(await scheduleRows(participantId)).toEqual(before);
    });

    it('refuses an audit period starting before 1900 or ending after 2200', async () => {
      await expectRefused(
        () => api.http().get('/api/v1/audit?from=1000-01-01T00:00:00Z').set(f.admin.auth),
        'from',
        'instantInRange',
      );
      await expectRefused(
        () => api.http().get('/api/v1/audit?to=2999-01-01T00:00:00Z').set(f.admin.auth),
        'to',
        'instantInRange',
      );
    });

    it('refuses a baseline whose visit windows would run past 2200-12-31', async () => {
      const before = await participantRow(unscheduledParticipantId);
      await expectRefused(
        async () =>
          api
            .http()
            .post(`/api/v1/participants/${unscheduledParticipantId}/protocol`)
            .set(coordinator())
            .send({
              protocolId: await defaultProtocolId(api, f.coordinatorTokyo),
              baselineDate: '2195-01-01',
            }),
        'baselineDate',
        'derivedDateInRange',
      );
      expect(await participantRow(unscheduledParticipantId)).toEqual(before);
      expect(await scheduleRows(unscheduledParticipantId)).toEqual([]);
    });
  });

  describe('paging', () => {
    it.each(['/api/v1/participants', '/api/v1/flags', '/api/v1/audit'])(
      'refuses ?page=1e20 on %s, naming page',
      async (path) => {
        await expectRefused(() => api.http().get(`${path}?page=1e20`).set(coordinator()), 'page', 'max');
      },
    );

    it('refuses ?page=1e20 on the users list, and a page of 100001', async () => {
      await expectRefused(() => api.http().get('/api/v1/users?page=1e20').set(f.admin.auth), 'page', 'max');
      await expectRefused(() => api.http().get('/api/v1/users?page=100001').set(f.admin.auth), 'page', 'max');
      await api.http().get('/api/v1/users?page=100000').set(f.admin.auth).expect(200);
    });
  });

  it('refuses an identity that is an array', async () => {
    await expectRefused(
      () =>
        api
          .http()
          .post('/api/v1/participants')
          .set(coordinator())
          .send(personInput(f.sites.tokyo, { identity: [] })),
      'identity',
      'isObject',
    );
  });

  describe('dates of things that have happened are not after today at the site', () => {
    const tomorrow = () => addDays(tokyoToday(), 1);

    it('refuses a birth date tomorrow', async () => {
      await expectRefused(
        () =>
          api
            .http()
            .post('/api/v1/participants')
            .set(coordinator())
            .send(personInput(f.sites.tokyo, { birthDate: tomorrow() })),
        'birthDate',
        'notInFuture',
      );
    });

    it('refuses a status effective on 9999-12-31 or tomorrow, leaving the participant as it was', async () => {
      const before = await participantRow(participantId);
      const transition = (effectiveDate: string) => () =>
        api
          .http()
          .post(`/api/v1/participants/${participantId}/status`)
          .set(coordinator())
          .send({ to: 'screening', effectiveDate, reason: 'Invited on site' });
      await expectRefused(transition('9999-12-31'), 'effectiveDate', 'isCalendarDate');
      await expectRefused(transition(tomorrow()), 'effectiveDate', 'notInFuture');
      expect(await participantRow(participantId)).toEqual(before);
    });

    it('refuses an assessment performed in 2099, or a day after its visit', async () => {
      const visitDate = addDays(tokyoToday(), -1);
      const record = (performedOn: string) => () =>
        api
          .http()
          .post(`/api/v1/participants/${participantId}/visits`)
          .set(coordinator())
          .send({ visitDate, assessments: [{ type: 'mmse', values: { total: 29 }, performedOn }] });
      await expectRefused(record('2099-07-16'), 'assessments[0].performedOn', 'notAfterVisit');
      await expectRefused(record(tokyoToday()), 'assessments[0].performedOn', 'notAfterVisit');
    });
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'])(
    'refuses an assessment value named %s as an unknown field',
    async (name) => {
      await expectRefused(
        () =>
          api
            .http()
            .post(`/api/v1/participants/${participantId}/visits`)
            .set(coordinator())
            .set('Content-Type', 'application/json')
            // Written out: JSON.stringify of an object literal would not carry "__proto__" as a key.
            .send(
              `{"visitDate": "${tokyoToday()}", "assessments": [{"type": "mmse", "values": {"total": 29, "${name}": 1}}]}`,
            ),
        `assessments[0].values.${name}`,
        'whitelistValidation',
      );
    },
  );

  it.each(['constructor', 'toString', '__proto__', 'valueOf'])(
    'refuses a query parameter named %s as an unknown one',
    async (name) => {
      await expectRefused(
        () => api.http().get(`/api/v1/participants?${name}=1`).set(coordinator()),
        name,
        'whitelistValidation',
      );
    },
  );

  describe('a body on a route that takes none', () => {
    const acknowledge = () =>
      api.http().post('/api/v1/flags/00000000-0000-4000-8000-000000000000/acknowledge').set(coordinator());

    it('is refused, as an unknown property is', async () => {
      await expectRefused(() => acknowledge().send({ reason: 'done' }), 'body', 'isEmpty');
      await expectRefused(
        () => api.http().get('/api/v1/participants').set(coordinator()).send({ status: 'registered' }),
        'body',
        'isEmpty',
      );
    });

    it('lets the route run when there is no body, or an empty object', async () => {
      await acknowledge().expect(404);
      await acknowledge().send({}).expect(404);
    });
  });

  it('names array elements in brackets in every error detail', async () => {
    const res = await api
      .http()
      .post(`/api/v1/participants/${participantId}/visits`)
      .set(coordinator())
      .send({
        visitDate: tokyoToday(),
        assessments: [
          { type: 'mmse', values: { total: 29 } },
          { type: 'unicorn', values: {} },
        ],
      })
      .expect(400);
    expect(fieldsOf(res.body)).toEqual(['assessments[1].type isEnum']);
    expect(res.body.details[0].message).toMatch(/^assessments\[1\]\.type must be/);
  });
});
