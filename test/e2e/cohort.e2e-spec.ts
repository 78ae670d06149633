import { isValidRegistryId } from '@registry/domain';
import { createTestSystem, startApi, TestApi, TestSystem } from '../support/harness';
import { createIdentityFixture, identityEnv, IdentityFixture } from '../support/identity-fixture';
import {
  addDays,
  createConsentDocument,
  defaultProtocolId,
  personInput,
  tokyoToday,
} from '../support/cohort-fixture';

const CDR_NORMAL = {
  memory: 0,
  orientation: 0,
  judgmentProblemSolving: 0,
  communityAffairs: 0,
  homeHobbies: 0,
  personalCare: 0,
};

describe('the cohort: a coordinator’s day, end to end', () => {
  let system: TestSystem;
  let api: TestApi;
  let f: IdentityFixture;
  let documentId: string;
  let participantId: string;
  let consentId: string;
  let baseline: string;
  let schedule: { id: string; code: string; status: string; windowStart: string; windowEnd: string }[];

  beforeAll(async () => {
    system = await createTestSystem(identityEnv);
    api = await startApi(system.config);
    f = await createIdentityFixture(api);
    documentId = await createConsentDocument(api, f.admin);
  });

  afterAll(async () => {
    await api?.close();
    await system?.shutdown();
  });

  const coordinator = () => f.coordinatorTokyo.auth;
  const participantPath = (suffix = '') => `/api/v1/participants/${participantId}${suffix}`;
  const count = async (sql: string, params: unknown[] = []) =>
    (await api.dataSource.query<{ n: number }[]>(sql, params))[0].n;
  const visitCount = () =>
    count(`SELECT count(*)::int AS n FROM visit WHERE participant_id = $1`, [participantId]);
  const changeEvents = () =>
    count(
      `SELECT count(*)::int AS n FROM outbox_event WHERE topic = 'participant.changed' AND aggregate_id = $1`,
      [participantId],
    );

  it('enrols a participant under a pseudonymous registry id, keeping the identity apart', async () => {
    const res = await api
      .http()
      .post('/api/v1/participants')
      .set(coordinator())
      .send(personInput(f.sites.tokyo))
      .expect(201);
    participantId = res.body.id;
    expect(participantId).toMatch(/^TKY-000001-[0-9A-Z]$/);
    expect(isValidRegistryId(participantId)).toBe(true);
    expect(res.body).toMatchObject({
      status: 'registered',
      apoeGenotype: 'e3/e4',
      familyHistory: true,
      familyHistoryOnsetAge: 72,
    });
    expect(JSON.stringify(res.body)).not.toMatch(/Tanaka|Yuki|example\.jp/);
    expect(await changeEvents()).toBe(1);
  });

  it('shows names only to coordinators of the participant’s own site', async () => {
    const own = await api.http().get(participantPath('/identity')).set(coordinator()).expect(200);
    expect(own.body).toMatchObject({
      familyName: 'Tanaka',
      givenName: 'Yuki',
      studyPartnerName: 'Kenji Tanaka',
    });
    await api.http().get(participantPath('/identity')).set(f.coordinatorBoston.auth).expect(404);
    await api.http().get(participantPath('/identity')).set(f.admin.auth).expect(403);
    await api.http().get(participantPath('/identity')).set(f.monitorTokyo.auth).expect(403);
    await api.http().get(participantPath()).set(f.monitorTokyo.auth).expect(200);
    await api.http().get(participantPath()).set(f.coordinatorBoston.auth).expect(404);
    await api.http().get(participantPath()).set(f.sponsorAlpha.auth).expect(403);
    const audit = await api.dataSource.query(
      `SELECT changes::text AS c FROM audit_event WHERE entity_id = $1`,
      [participantId],
    );
    expect(audit.map((row: { c: string }) => row.c).join()).not.toMatch(/Tanaka|Yuki/);
  });

  it('flags the same person enrolled again at another site instead of creating them silently', async () => {
    const boston = f.coordinatorBoston.auth;
    const again = personInput(f.sites.boston, { identity: { familyName: 'TANAKA', givenName: ' yuki ' } });
    const refused = await api.http().post('/api/v1/participants').set(boston).send(again).expect(409);
    expect(refused.body).toMatchObject({
      code: 'participant.possible_duplicate',
      meta: { matchingSites: ['TKY'] },
    });
    expect(JSON.stringify(refused.body)).not.toContain(participantId);
    const acknowledged = await api
      .http()
      .post('/api/v1/participants')
      .set(boston)
      .send({ ...again, acknowledgeDuplicate: { reason: 'Checked by phone: moved from Tokyo, same person' } })
      .expect(201);
    const flags = await api.dataSource.query(
      `SELECT matches_participant_id FROM participant_duplicate_flag WHERE participant_id = $1`,
      [acknowledged.body.id],
    );
    expect(flags).toEqual([{ matches_participant_id: participantId }]);
  });

  it('refuses a visit the consent does not cover, naming the missing scope', async () => {
    const res = await api
      .http()
      .post(participantPath('/visits'))
      .set(coordinator())
      .send({ visitDate: tokyoToday(), assessments: [{ type: 'mmse', values: { total: 29 } }] })
      .expect(409);
    expect(res.body).toMatchObject({
      code: 'consent.scope_missing',
      meta: { missingScope: 'registry_follow_up' },
    });
    expect(await visitCount()).toBe(0);
  });

  it('records consent to some scopes of a versioned document', async () => {
    const res = await api
      .http()
      .post(participantPath('/consents'))
      .set(coordinator())
      .send({
        consentDocumentId: documentId,
        signedOn: '2024-03-01',
        scopes: ['registry_follow_up', 'recontact_for_trials', 'sponsor_data_sharing'],
      })
      .expect(201);
    consentId = res.body.id;
    const status = await api.http().get(participantPath('/consents')).set(f.monitorTokyo.auth).expect(200);
    expect(status.body.scopesHeld).toEqual([
      'recontact_for_trials',
      'registry_follow_up',
      'sponsor_data_sharing',
    ]);
  });

  it('generates the schedule from the protocol in the site’s calendar', async () => {
    baseline = addDays(tokyoToday(), -190);
    const res = await api
      .http()
      .post(participantPath('/protocol'))
      .set(coordinator())
      .send({ protocolId: await defaultProtocolId(api, f.coordinatorTokyo), baselineDate: baseline })
      .expect(201);
    expect(res.body).toMatchObject({ participantId, timeZone: 'Asia/Tokyo', today: tokyoToday() });
    schedule = res.body.visits;
    expect(schedule).toHaveLength(21);
    const byCode = Object.fromEntries(schedule.map((v) => [v.code, v]));
    expect(byCode.BL).toMatchObject({
      windowStart: baseline,
      windowEnd: addDays(baseline, 30),
      status: 'missed',
    });
    expect(byCode.M006).toMatchObject({ windowStart: addDays(baseline, 154), status: 'window_open' });
    expect(byCode.M012.status).toBe('upcoming');
  });

  it('refuses out-of-range values with 400 naming each field, and stores nothing', async () => {
    const m006 = schedule.find((v) => v.code === 'M006')!;
    const attempts: [object, string][] = [
      [{ type: 'mmse', values: { total: 31 } }, 'assessments[0].values.total'],
      [{ type: 'cdr', values: { ...CDR_NORMAL, global: 0.7 } }, 'assessments[0].values.global'],
      [
        {
          type: 'amyloid_pet',
          values: {
            tracer: 'florbetapir',
            suvr: -1.2,
            pipeline: 'avid',
            referenceRegion: 'whole_cerebellum',
          },
        },
        'assessments[0].values.suvr',
      ],
      [
        {
          type: 'amyloid_pet',
          values: { tracer: 'unobtainium', suvr: 1.2, pipeline: 'avid', referenceRegion: 'whole_cerebellum' },
        },
        'assessments[0].values.tracer',
      ],
      [
        {
          type: 'csf',
          values: { platform: 'roche_elecsys', analytes: [{ analyte: 'abeta42', value: 800 }] },
        },
        'assessments[0].values.analytes[0].unit',
      ],
    ];
    for (const [assessment, field] of attempts) {
      const res = await api
        .http()
        .post(participantPath('/visits'))
        .set(coordinator())
        .send({ visitDate: tokyoToday(), scheduledVisitId: m006.id, assessments: [assessment] })
        .expect(400);
      expect(res.body.details.map((d: { field: string }) => d.field)).toEqual([field]);
    }
    expect(await visitCount()).toBe(0);
  });

  it('records an in-window visit, derives the CDR global score, and repeats nothing on a retried request', async () => {
    const m006 = schedule.find((v) => v.code === 'M006')!;
    const body = {
      visitDate: tokyoToday(),
      scheduledVisitId: m006.id,
      assessments: [
        { type: 'mmse', values: { total: 29 } },
        { type: 'cdr', values: { ...CDR_NORMAL, orientation: 0.5 } },
        { type: 'logical_memory', values: { delayedRecall: 12 } },
      ],
    };
    const first = await api
      .http()
      .post(participantPath('/visits'))
      .set(coordinator())
      .set('Idempotency-Key', 'visit-m006-0001')
      .send(body)
      .expect(201);
    expect(first.body.deviation).toBe(false);
    expect(first.body.assessments.find((a: { type: string }) => a.type === 'cdr').derived).toEqual({
      globalScore: 0,
      sumOfBoxes: 0.5,
      algorithm: 'morris-1993',
    });
    const events = await changeEvents();
    const retry = await api
      .http()
      .post(participantPath('/visits'))
      .set(coordinator())
      .set('Idempotency-Key', 'visit-m006-0001')
      .send(body)
      .expect(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.id).toBe(first.body.id);
    expect(await visitCount()).toBe(1);
    expect(await changeEvents()).toBe(events);
    // The same request with its keys in another order at every depth is the same request, not a reuse.
    const reordered = await api
      .http()
      .post(participantPath('/visits'))
      .set(coordinator())
      .set('Idempotency-Key', 'visit-m006-0001')
      .send(withKeysReversed(body) as object)
      .expect(200);
    expect(reordered.headers['idempotent-replayed']).toBe('true');
    expect(reordered.body.id).toBe(first.body.id);
    expect(await visitCount()).toBe(1);
    expect(await changeEvents()).toBe(events);
    const reused = await api
      .http()
      .post(participantPath('/visits'))
      .set(coordinator())
      .set('Idempotency-Key', 'visit-m006-0001')
      .send({ ...body, visitDate: addDays(tokyoToday(), -1) })
      .expect(409);
    expect(reused.body.code).toBe('idempotency.key_reused');
  });

  it('accepts a visit outside its window only as a deviation with a reason', async () => {
    const bl = schedule.find((v) => v.code === 'BL')!;
    const late = {
      visitDate: addDays(baseline, 40),
      scheduledVisitId: bl.id,
      assessments: [{ type: 'mmse', values: { total: 30 } }],
    };
    const refused = await api
      .http()
      .post(participantPath('/visits'))
      .set(coordinator())
      .send(late)
      .expect(400);
    expect(refused.body.details).toEqual([
      expect.objectContaining({ field: 'deviationReason', constraint: 'requiredOutsideWindow' }),
    ]);
    const accepted = await api
      .http()
      .post(participantPath('/visits'))
      .set(coordinator())
      .send({ ...late, deviationReason: 'Participant was in hospital for an unrelated surgery' })
      .expect(201);
    expect(accepted.body).toMatchObject({
      deviation: true,
      deviationReason: 'Participant was in hospital for an unrelated surgery',
    });
    const res = await api.http().get(participantPath('/schedule')).set(coordinator()).expect(200);
    const byCode = Object.fromEntries(res.body.visits.map((v: { code: string }) => [v.code, v]));
    expect(byCode.BL.status).toBe('completed');
    expect(byCode.M006.status).toBe('completed');
  });

  it('corrects a recorded value only with a reason, keeping the old value in the audit trail', async () => {
    const visits = await api.http().get(participantPath('/visits')).set(coordinator()).expect(200);
    const mmse = visits.body
      .flatMap(
        (v: { assessments: { id: string; type: string; values: { total: number } }[] }) => v.assessments,
      )
      .find((a: { type: string; values: { total: number } }) => a.type === 'mmse' && a.values.total === 29);
    await api
      .http()
      .patch(participantPath(`/assessments/${mmse.id}`))
      .set(coordinator())
      .send({ values: { total: 28 } })
      .expect(400);
    await api
      .http()
      .patch(participantPath(`/assessments/${mmse.id}`))
      .set(coordinator())
      .send({ values: { total: 31 }, reason: 'typo' })
      .expect(400);
    const corrected = await api
      .http()
      .patch(participantPath(`/assessments/${mmse.id}`))
      .set(coordinator())
      .send({ values: { total: 28 }, reason: 'Scoring error found at source data verification' })
      .expect(200);
    expect(corrected.body).toMatchObject({ values: { total: 28 }, version: 2 });
    const [audit] = await api.dataSource.query(
      `SELECT changes, reason, actor_user_id FROM audit_event WHERE action = 'assessment.corrected' AND entity_id = $1`,
      [mmse.id],
    );
    expect(audit.changes[0]).toEqual({ field: 'values', old: { total: 29 }, new: { total: 28 } });
    expect(audit).toMatchObject({
      reason: 'Scoring error found at source data verification',
      actor_user_id: f.coordinatorTokyo.id,
    });
  });

  it('needs the biomarker scope for amyloid PET, then derives the Centiloid and the amyloid status', async () => {
    const pet = {
      visitDate: tokyoToday(),
      assessments: [
        {
          type: 'amyloid_pet',
          values: { tracer: 'florbetapir', suvr: 1.2, pipeline: 'avid', referenceRegion: 'whole_cerebellum' },
        },
      ],
    };
    const refused = await api
      .http()
      .post(participantPath('/visits'))
      .set(coordinator())
      .send(pet)
      .expect(409);
    expect(refused.body.meta).toEqual({ missingScope: 'biomarker_sampling' });
    await api
      .http()
      .post(participantPath('/consents'))
      .set(coordinator())
      .send({
        consentDocumentId: documentId,
        signedOn: tokyoToday(),
        scopes: ['biomarker_sampling', 'amyloid_result_disclosure'],
      })
      .expect(201);
    const recorded = await api
      .http()
      .post(participantPath('/visits'))
      .set(coordinator())
      .send(pet)
      .expect(201);
    expect(recorded.body.assessments[0].derived).toEqual({
      centiloid: 42.6,
      centiloidEquationId: 'fbp-avid-navitsky2018',
      amyloidStatus: 'positive',
      statusBasis: 'centiloid_bands_amypad_2024',
    });
    const participant = await api.http().get(participantPath()).set(coordinator()).expect(200);
    expect(participant.body.amyloid).toEqual({ status: 'positive', modality: 'pet', date: tokyoToday() });
  });

  it('moves through allowed status transitions and refuses others with the allowed list', async () => {
    await api
      .http()
      .post(participantPath('/status'))
      .set(coordinator())
      .send({ to: 'enrolled', effectiveDate: tokyoToday(), reason: 'Eligible for follow-up' })
      .expect(200);
    const refused = await api
      .http()
      .post(participantPath('/status'))
      .set(coordinator())
      .send({ to: 'in_trial', effectiveDate: tokyoToday(), reason: 'Jumping ahead' })
      .expect(409);
    expect(refused.body).toMatchObject({
      code: 'participant.transition_not_allowed',
      meta: {
        from: 'enrolled',
        to: 'in_trial',
        allowed: ['referred', 'progressed', 'lost_to_follow_up', 'withdrawn', 'deceased'],
      },
    });
    await api
      .http()
      .post(participantPath('/status'))
      .set(f.monitorTokyo.auth)
      .send({ to: 'referred', effectiveDate: tokyoToday(), reason: 'x y z' })
      .expect(403);
  });

  it('lets coordinators search their own participants only', async () => {
    const own = await api
      .http()
      .get('/api/v1/participants?registryId=TKY&status=enrolled')
      .set(coordinator())
      .expect(200);
    expect(own.body.items.map((p: { id: string }) => p.id)).toEqual([participantId]);
    const other = await api
      .http()
      .get('/api/v1/participants?registryId=TKY')
      .set(f.coordinatorBoston.auth)
      .expect(200);
    expect(other.body.total).toBe(0);
    const admin = await api.http().get('/api/v1/participants?sort=-registryId').set(f.admin.auth).expect(200);
    expect(admin.body.total).toBe(2);
    expect(admin.body.items[0].id).toBe(participantId);
    const newestFirst = await api
      .http()
      .get('/api/v1/participants?sort=-createdAt')
      .set(f.admin.auth)
      .expect(200);
    expect(newestFirst.body.items.map((p: { id: string }) => p.id)[1]).toBe(participantId);
    const paged = await api
      .http()
      .get('/api/v1/participants?pageSize=1&page=2&sort=registryId')
      .set(f.admin.auth)
      .expect(200);
    expect(paged.body).toMatchObject({ page: 2, pageSize: 1, total: 2, items: [{ id: participantId }] });
    const bad = await api.http().get('/api/v1/participants?sort=name').set(coordinator()).expect(400);
    expect(bad.body.details[0]).toMatchObject({ field: 'sort', constraint: 'isIn' });
  });

  it('withdraws consent at once: open visits are cancelled, new data refused, collected data kept', async () => {
    const visitsBefore = await visitCount();
    const res = await api
      .http()
      .post(participantPath(`/consents/${consentId}/withdrawals`))
      .set(coordinator())
      .send({ withdrawnOn: tokyoToday(), reason: 'Participant no longer wishes to be followed' })
      .expect(201);
    expect(res.body.map((w: { scope: string }) => w.scope).sort()).toEqual([
      'recontact_for_trials',
      'registry_follow_up',
      'sponsor_data_sharing',
    ]);
    const status = await api.http().get(participantPath('/consents')).set(coordinator()).expect(200);
    expect(status.body.scopesHeld).toEqual(['amyloid_result_disclosure', 'biomarker_sampling']);
    const scheduleAfter = await api.http().get(participantPath('/schedule')).set(coordinator()).expect(200);
    const statuses = scheduleAfter.body.visits.map(
      (v: { code: string; status: string }) => `${v.code}:${v.status}`,
    );
    expect(statuses).toContain('M012:cancelled');
    expect(statuses).toContain('M006:completed');
    await api
      .http()
      .post(participantPath('/visits'))
      .set(coordinator())
      .send({ visitDate: tokyoToday(), assessments: [{ type: 'mmse', values: { total: 29 } }] })
      .expect(409);
    expect(await visitCount()).toBe(visitsBefore);
  });

  it('announced every change through the outbox, one event per committed change', async () => {
    // enrolment, consent, schedule, M006 visit, BL visit, correction, consent, PET, status, withdrawal
    expect(await changeEvents()).toBe(10);
  });
});

/** The same data with every object's keys in reverse order (array order kept). */
function withKeysReversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withKeysReversed);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .reverse()
      .map((key) => [key, withKeysReversed((value as Record<string, unknown>)[key])]),
  );
}
