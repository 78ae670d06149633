import {
  addDays,
  ASSESSMENT_TYPES,
  AssessmentType,
  assessmentQualifier,
  FIELDS_READ_FOR_PROFILE,
} from '@registry/domain';
import { loadConfig } from '@registry/config';
import { dataSourceOptions, loadCohortScreeningInputs, loadProfiles } from '@registry/persistence';
import {
  PROFILE_FIELDS,
  ScreeningFactsReadFields1795740000000,
} from '@registry/persistence/migrations/1795740000000-ScreeningFactsReadFields';
import { ScreeningFactsCutInline1795760000000 } from '@registry/persistence/migrations/1795760000000-ScreeningFactsCutInline';
import { DataSource, QueryRunner } from 'typeorm';
import {
  createConsentDocument,
  enrolConsentedParticipant,
  personInput,
  tokyoToday,
} from '../support/cohort-fixture';
import { createTestSystem, startApi, TestApi, TestSystem } from '../support/harness';
import { createIdentityFixture, identityEnv, IdentityFixture } from '../support/identity-fixture';

// Screening reads each participant's latest assessment per type and qualifier, and their consents, from
// tables kept by triggers on `assessment`, `participant_consent` and `consent_withdrawal`; these tests hold
// them to what the full history says.
describe('the latest assessments that screening reads', () => {
  let system: TestSystem;
  let api: TestApi;
  let f: IdentityFixture;
  let participantId: string;
  const today = tokyoToday();
  const earlier = addDays(today, -400);

  beforeAll(async () => {
    system = await createTestSystem(identityEnv);
    api = await startApi(system.config);
    f = await createIdentityFixture(api);
    participantId = await enrolConsentedParticipant(api, f, await createConsentDocument(api, f.admin));
    for (const [visitDate, mmse, tracer, suvr] of [
      [earlier, 29, 'florbetaben', 1.3],
      [today, 27, 'flutemetamol', 1.1],
    ] as const) {
      await api
        .http()
        .post(`/api/v1/participants/${participantId}/visits`)
        .set(f.coordinatorTokyo.auth)
        .send({
          visitDate,
          assessments: [
            { type: 'mmse', values: { total: mmse } },
            {
              type: 'amyloid_pet',
              values: { tracer, suvr, pipeline: 'standard_centiloid', referenceRegion: 'whole_cerebellum' },
            },
          ],
        })
        .expect(201);
    }
  });

  afterAll(async () => {
    await api?.close();
    await system?.shutdown();
  });

  // `assessment_qualifier` is SQL written by a migration (a snapshot); the rule is the domain's. Compared on
  // every assessment type, with every qualifier field present and with none: a change to the domain's
  // qualifiers fails here until a migration brings the SQL function to it.
  it('keeps the latest per qualifier as the domain names it: assessment_qualifier agrees with assessmentQualifier', async () => {
    const everyField = { tracer: 'a-tracer', platform: 'a-platform', analyte: 'an-analyte' };
    for (const type of [...ASSESSMENT_TYPES, 'not_a_type'])
      for (const values of [everyField, {}]) {
        const [{ qualifier }] = await api.dataSource.query<{ qualifier: string }[]>(
          `SELECT assessment_qualifier($1, $2::jsonb) AS qualifier`,
          [type, JSON.stringify(values)],
        );
        expect({ type, values, qualifier }).toEqual({
          type,
          values,
          qualifier: assessmentQualifier(type, values),
        });
      }
  });

  const latest = () =>
    api.dataSource.query<{ type: string; qualifier: string; performed_on: string; values: object }[]>(
      `SELECT type, qualifier, performed_on::text, values FROM participant_latest_assessment
        WHERE participant_id = $1 ORDER BY type, qualifier`,
      [participantId],
    );

  // The facts keep of each assessment only the fields the domain builds a profile from. The SQL that cuts
  // them is a snapshot written by a migration; it is given, for every type, a document holding every field
  // the domain reads of any type, every field the migration's snapshot names and one no one reads, and must
  // keep exactly the type's own: a field the domain starts or stops reading fails here until a migration
  // brings the SQL to it.
  it('keeps the fields a profile is built from as the domain names them: assessment_profile_values and _derived agree', async () => {
    const everyField = (part: 'values' | 'derived') => ({
      ...Object.fromEntries(
        Object.values(FIELDS_READ_FOR_PROFILE).flatMap((fields) => fields[part].map((key) => [key, 1])),
      ),
      ...Object.fromEntries(
        PROFILE_FIELDS.flatMap(([, values, derived]) =>
          (part === 'values' ? values : derived).map((key) => [key, 1]),
        ),
      ),
      notReadByAnyMeasure: 1,
    });
    // `undefined` is sent as SQL NULL (no document), anything else as its JSON text.
    const cut = async (type: string, part: 'values' | 'derived', document: unknown) => {
      const [row] = await api.dataSource.query<{ kept: unknown }[]>(
        `SELECT assessment_profile_${part}($1, $2::jsonb) AS kept`,
        [type, document === undefined ? null : JSON.stringify(document)],
      );
      return row.kept;
    };
    for (const type of [...ASSESSMENT_TYPES, 'not_a_type'])
      for (const part of ['values', 'derived'] as const) {
        const kept = (await cut(type, part, everyField(part))) as Record<string, unknown>;
        const domain = FIELDS_READ_FOR_PROFILE[type as AssessmentType]?.[part] ?? [];
        expect({ type, part, kept: Object.keys(kept).sort() }).toEqual({ type, part, kept: [...domain] });
      }
    // Absent fields stay absent, a JSON null is kept as null, and a document that is not an object (or no
    // document) comes back as it is.
    expect(await cut('amyloid_pet', 'values', { suvr: null, pipeline: 'x' })).toEqual({ suvr: null });
    expect(await cut('amyloid_pet', 'derived', { centiloid: 31.5, ratios: {} })).toEqual({ centiloid: 31.5 });
    expect(await cut('mmse', 'values', [29])).toEqual([29]);
    expect(await cut('mmse', 'values', 'text')).toBe('text');
    expect(await cut('mmse', 'values', null)).toBeNull();
    const [{ none }] = await api.dataSource.query<{ none: boolean }[]>(
      `SELECT assessment_profile_values('mmse', NULL) IS NULL AND assessment_profile_derived('cdr', NULL) IS NULL AS none`,
    );
    expect(none).toBe(true);
  });

  // They are called twice per latest assessment on every refresh of the facts; as a function call each they
  // cost about seven times the expression (the migration says why). The planner must put the expression in.
  it('cuts with expressions the planner inlines, not with function calls', async () => {
    const plan = await api.dataSource.query<{ 'QUERY PLAN': string }[]>(
      `EXPLAIN (VERBOSE) SELECT assessment_profile_values(l.type, l.values), assessment_profile_derived(l.type, l.derived)
         FROM participant_latest_assessment l`,
    );
    const output = plan.map((row) => row['QUERY PLAN']).find((line) => line.trim().startsWith('Output:'))!;
    expect(output).toContain('jsonb_set');
    expect(output).not.toMatch(/assessment_profile_(values|derived)\(/);
  });

  /** Only the fields the domain builds a profile from. */
  const readFields = (type: string, record: Record<string, unknown>, part: 'values' | 'derived') =>
    Object.fromEntries(
      Object.entries(record).filter(([key]) =>
        FIELDS_READ_FOR_PROFILE[type as AssessmentType][part].includes(key),
      ),
    );

  /**
   * The screening facts document as stored, and as worked out afresh from the tables it summarises, with
   * the fields the domain reads.
   */
  const facts = async () => {
    const [row] = await api.dataSource.query<
      {
        stored: unknown;
        assessments: [string, string, string, Record<string, unknown>, Record<string, unknown>][];
        latest_day: string;
        consents: [string, string[], [string, string][]][];
      }[]
    >(
      `SELECT f.latest_assessments::jsonb AS stored,
              (SELECT jsonb_agg(jsonb_build_array(l.type, l.qualifier, l.performed_on, l.values, l.derived)
                                ORDER BY l.type, l.qualifier)
                 FROM participant_latest_assessment l WHERE l.participant_id = f.participant_id) AS assessments,
              f.latest_performed_on::text AS latest_day, f.consents::jsonb AS consents
         FROM participant_screening_facts f WHERE f.participant_id = $1`,
      [participantId],
    );
    const fresh = row.assessments.map(([type, qualifier, performedOn, values, derived]) => [
      type,
      qualifier,
      performedOn,
      readFields(type, values, 'values'),
      readFields(type, derived, 'derived'),
    ]);
    return { ...row, fresh };
  };

  it('keeps one row per type and qualifier: the latest MMSE, and the latest PET of each tracer', async () => {
    expect(await latest()).toEqual([
      expect.objectContaining({ type: 'amyloid_pet', qualifier: 'florbetaben', performed_on: earlier }),
      expect.objectContaining({ type: 'amyloid_pet', qualifier: 'flutemetamol', performed_on: today }),
      expect.objectContaining({ type: 'mmse', qualifier: '', performed_on: today, values: { total: 27 } }),
    ]);
    const { stored, fresh, assessments, latest_day } = await facts();
    expect(stored).toEqual(fresh);
    expect((stored as unknown[]).length).toBe(3);
    expect(latest_day).toBe(today);
    // The PET's pipeline and reference region stay in the assessment, not in the facts.
    const pet = assessments.find(([type]) => type === 'amyloid_pet')!;
    expect(pet[3]).toHaveProperty('pipeline');
    expect(JSON.stringify(stored)).not.toContain('pipeline');
  });

  it('follows a correction of the latest value', async () => {
    const visits = await api
      .http()
      .get(`/api/v1/participants/${participantId}/visits`)
      .set(f.coordinatorTokyo.auth)
      .expect(200);
    const todays = (visits.body as { visitDate: string; assessments: { id: string; type: string }[] }[])
      .find((v) => v.visitDate === today)!
      .assessments.find((a) => a.type === 'mmse')!;
    await api
      .http()
      .patch(`/api/v1/participants/${participantId}/assessments/${todays.id}`)
      .set(f.coordinatorTokyo.auth)
      .send({ values: { total: 26 }, reason: 'Transcription error found at source data verification' })
      .expect(200);
    expect((await latest()).find((row) => row.type === 'mmse')).toMatchObject({ values: { total: 26 } });
    const { stored, fresh } = await facts();
    expect(stored).toEqual(fresh);
    expect(stored).toContainEqual(['mmse', '', today, { total: 26 }, {}]);
  });

  it('keeps the consents with their withdrawals, from which the scopes held on a day are worked out', async () => {
    expect((await facts()).consents).toEqual([['2024-01-01', expect.any(Array), []]]);
    const consents = await api
      .http()
      .get(`/api/v1/participants/${participantId}/consents`)
      .set(f.coordinatorTokyo.auth)
      .expect(200);
    await api
      .http()
      .post(`/api/v1/participants/${participantId}/consents/${consents.body.consents[0].id}/withdrawals`)
      .set(f.coordinatorTokyo.auth)
      .send({ withdrawnOn: today, scopes: ['recontact_for_trials'], reason: 'No more calls about trials' })
      .expect(201);
    const [[signedOn, scopes, withdrawals]] = (await facts()).consents;
    expect(signedOn).toBe('2024-01-01');
    expect(scopes).toContain('recontact_for_trials');
    expect(withdrawals).toEqual([['recontact_for_trials', today]]);
    const load = async (asOf: string) =>
      (await loadProfiles(api.dataSource.manager, [participantId], asOf)).get(participantId)!.profile
        .consentScopes;
    expect(await load(today)).not.toContain('recontact_for_trials');
    expect(await load(today)).toContain('registry_follow_up');
    // The day before the withdrawal the scope was held; before signing, nothing was.
    expect(await load(addDays(today, -1))).toContain('recontact_for_trials');
    expect(await load('2023-12-31')).toEqual([]);
  });

  it('gives the same profile as the history, today and on a day before the latest visit', async () => {
    const onToday = (await loadProfiles(api.dataSource.manager, [participantId], today)).get(participantId)!;
    expect(onToday.profile.observations).toMatchObject({
      'mmse.total': { value: 26, date: today },
    });
    // A day between the visits: the latest rows are too new, so the history answers.
    const between = addDays(today, -30);
    const before = (await loadProfiles(api.dataSource.manager, [participantId], between)).get(participantId)!;
    expect(before.profile.observations).toMatchObject({ 'mmse.total': { value: 29, date: earlier } });
    expect(Object.values(before.profile.observations).every((o) => o.date <= between)).toBe(true);
  });

  it('walks a cohort: the next participants of the sites asked for, after the cursor, in id order', async () => {
    const documentId = await createConsentDocument(api, f.admin, '2.0');
    const identity = (givenName: string) => ({
      identity: { familyName: 'Walker', givenName, email: `${givenName.toLowerCase()}@example.jp` },
    });
    for (const givenName of ['Aki', 'Bo', 'Chie'])
      await enrolConsentedParticipant(api, f, documentId, identity(givenName));
    await api
      .http()
      .post('/api/v1/participants')
      .set(f.coordinatorBoston.auth)
      .send(personInput(f.sites.boston, identity('Dana')))
      .expect(201);
    const [tokyo, boston] = await Promise.all(
      [f.sites.tokyo, f.sites.boston].map((siteId) =>
        api.dataSource
          .query<{ id: string }[]>(`SELECT id FROM participant WHERE site_id = $1 ORDER BY id`, [siteId])
          .then((rows) => rows.map((row) => row.id)),
      ),
    );
    expect(tokyo).toHaveLength(4);
    expect(boston).toHaveLength(1);
    // Each site judged on a day of its own, as its time zone gives it.
    const dayAt = (siteId: string) => (siteId === f.sites.tokyo ? today : addDays(today, -1));
    const walk = (siteIds: string[], after: string | null, limit: number) =>
      loadCohortScreeningInputs(api.dataSource.manager, { siteIds, after, limit }, dayAt, []);

    const first = await walk([f.sites.tokyo], null, 3);
    expect(first.map((input) => input.participantId)).toEqual(tokyo.slice(0, 3));
    expect(first.every((input) => input.siteId === f.sites.tokyo && input.asOf === today)).toBe(true);
    const rest = await walk([f.sites.tokyo], tokyo[2], 3);
    expect(rest.map((input) => input.participantId)).toEqual([tokyo[3]]);
    expect(await walk([f.sites.tokyo], tokyo[3], 3)).toEqual([]);

    const both = await walk([f.sites.tokyo, f.sites.boston], null, 10);
    expect(both.map((input) => input.participantId)).toEqual([...tokyo, ...boston].sort());
    const dana = both.find((input) => input.participantId === boston[0])!;
    expect(dana.asOf).toBe(addDays(today, -1));
    // The profile is the one loadProfiles builds for the same day.
    const withHistory = both.find((input) => input.participantId === participantId)!;
    expect(withHistory.read().profile).toEqual(
      (await loadProfiles(api.dataSource.manager, [participantId], today)).get(participantId)!.profile,
    );
    const stored = {
      criteriaVersion: 0,
      result: '',
      oneTestAway: null,
      explained: true,
      changesWithTimeOn: '',
    };
    expect(withHistory.read().stored(0, stored)).toBe(false);
  });

  // A batch is one text: participants, and each one's header and body, are split at control characters
  // that JSON cannot hold unescaped. A value carrying those characters, quotes and line breaks must come
  // through whole, and must not split its participant. Written by SQL: the API would refuse such an analyte.
  it('reads a value holding the batch separators, quotes and line breaks whole', async () => {
    const analyte = 'ptau\u001e217\u001f"x"\n\t\\';
    await api.dataSource.query(
      `INSERT INTO assessment (visit_id, participant_id, type, performed_on, values, derived)
       SELECT v.id, v.participant_id, 'plasma', $2, $3::jsonb, '{}'::jsonb
         FROM visit v WHERE v.participant_id = $1 ORDER BY v.visit_date DESC LIMIT 1`,
      [participantId, today, JSON.stringify({ analyte, platform: 'a-platform', result: 'positive' })],
    );
    const expected = { value: 'positive', date: today };
    const byId = (await loadProfiles(api.dataSource.manager, [participantId], today)).get(participantId)!;
    expect(byId.profile.observations[`plasma.result|${analyte}`]).toEqual(expected);
    const walked = await loadCohortScreeningInputs(
      api.dataSource.manager,
      { siteIds: [f.sites.tokyo], after: null, limit: 10 },
      () => today,
      [],
    );
    expect(walked.map((input) => input.participantId)).toContain(participantId);
    const read = walked.find((input) => input.participantId === participantId)!.read();
    expect(read.profile.observations[`plasma.result|${analyte}`]).toEqual(expected);
    expect(read.profile).toEqual(byId.profile);
  });

  // The migration that cut the facts to the fields read rebuilds the whole table: undone, every row is back
  // with whole documents and the same consents; done again, the table is as the triggers left it.
  it('rebuilds every facts row with its consents when the facts migration is undone and done again', async () => {
    const table = () =>
      api.dataSource.query<
        { participant_id: string; latest: string; latest_on: string | null; consents: string }[]
      >(
        `SELECT participant_id, latest_assessments::text AS latest, latest_performed_on::text AS latest_on,
                consents::text AS consents
           FROM participant_screening_facts ORDER BY participant_id`,
      );
    const before = await table();
    // Participants with assessments and consents, with consents alone (enrolled in the walk above), and one
    // with a withdrawal.
    expect(before.length).toBeGreaterThanOrEqual(4);
    expect(before.filter((row) => row.latest === '[]').length).toBeGreaterThan(0);
    expect(before.some((row) => row.consents.includes('recontact_for_trials", "20'))).toBe(true);

    const owner = new DataSource(
      dataSourceOptions(
        loadConfig({ ...process.env, DATABASE_URL: system.config.MIGRATION_DATABASE_URL }),
        'facts-migration-test',
      ),
    );
    await owner.initialize();
    // The cut was since moved into inlined functions (ScreeningFactsCutInline): that is undone first and done
    // again last, so the rebuild runs with the SQL it was written beside.
    const migrations = [
      new ScreeningFactsReadFields1795740000000(),
      new ScreeningFactsCutInline1795760000000(),
    ];
    const inTransaction = async (step: (runner: QueryRunner) => Promise<void>) => {
      const runner = owner.createQueryRunner();
      try {
        await runner.startTransaction();
        await step(runner);
        await runner.commitTransaction();
      } finally {
        await runner.release();
      }
    };
    try {
      await inTransaction(async (runner) => {
        for (const migration of [...migrations].reverse()) await migration.down(runner);
      });
      const undone = await table();
      expect(undone.map(({ latest: _, ...row }) => row)).toEqual(before.map(({ latest: _, ...row }) => row));
      expect(undone.find((row) => row.participant_id === participantId)!.latest).toContain('pipeline');
      await inTransaction(async (runner) => {
        for (const migration of migrations) await migration.up(runner);
      });
      expect(await table()).toEqual(before);
    } finally {
      await owner.destroy();
    }
  });
});
