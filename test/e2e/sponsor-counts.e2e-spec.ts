import type { INestApplicationContext } from '@nestjs/common';
import type { components } from '../contract/api-types';
import {
  createConsentDocument,
  enrolConsentedParticipant,
  personInput,
  tokyoToday,
} from '../support/cohort-fixture';
import { createTestSystem, startApi, startWorker, TestApi, TestSystem } from '../support/harness';
import { createIdentityFixture, identityEnv, IdentityFixture } from '../support/identity-fixture';
import { acceptTrialSites } from '../support/trial-fixture';
import { waitFor } from '../support/wait-for';
import { countsIn } from '../support/sponsor-answers';

/** 60 to 90 with a positive plasma prescreen: everyone enrolled below is one plasma test away until it is done. */
const CRITERIA = {
  language: 1,
  criteria: {
    type: 'all',
    of: [
      { type: 'age', min: 60, max: 90 },
      { type: 'amyloid', in: ['positive'], modalities: ['plasma'], maxAgeDays: 180 },
    ],
  },
};
const PEOPLE = 12;
const QUERY_LIMIT = 12;
const GIVEN_NAMES = [
  'Aiko',
  'Haruto',
  'Mei',
  'Sora',
  'Ren',
  'Yui',
  'Hina',
  'Riku',
  'Mio',
  'Kaito',
  'Saki',
  'Daiki',
];

/**
 * What a sponsor's answer must never contain about the people enrolled here: names, registry ids, birth
 * dates, e-mail addresses, phone numbers, postal codes.
 */
function personalDataIn(text: string, registryIds: readonly string[]): string[] {
  const patterns: [string, RegExp][] = [
    ['registry id', /[A-Z]{2,5}-[0-9]{6}-[0-9A-Z]/],
    ['name', new RegExp(['Tanaka', 'Kenji', ...GIVEN_NAMES].join('|'))],
    ['birth date', /1958-04-01/],
    ['e-mail', /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[a-z]{2,}/],
    // International numbers as the fixture writes them (+81 90 ...); a bare run of digits would match hashes.
    ['phone', /\+[0-9]{1,3}[ -][0-9]{1,4}[ -][0-9]{3,4}/],
    ['postal code', /\b[0-9]{3}-[0-9]{4}\b/],
  ];
  return [
    ...patterns.filter(([, pattern]) => pattern.test(text)).map(([what]) => what),
    ...registryIds.filter((id) => text.includes(id)),
  ];
}

type TrialPool = components['schemas']['TrialPoolDto'];

describe("sponsors' pools and feasibility queries", () => {
  let system: TestSystem;
  let api: TestApi;
  let worker: INestApplicationContext;
  let f: IdentityFixture;
  let trialId: string;
  const registryIds: string[] = [];
  const sponsorAnswers: string[] = [];

  beforeAll(async () => {
    system = await createTestSystem({
      ...identityEnv,
      OUTBOX_POLL_INTERVAL_MS: '100',
      SPONSOR_QUERY_LIMIT: String(QUERY_LIMIT),
    });
    api = await startApi(system.config);
    worker = await startWorker(system.config);
    f = await createIdentityFixture(api);
    const documentId = await createConsentDocument(api, f.admin);
    for (let i = 0; i < PEOPLE; i++) {
      const id = await enrolConsentedParticipant(api, f, documentId, {
        identity: {
          ...personInput(f.sites.tokyo).identity,
          givenName: GIVEN_NAMES[i],
          postalAddress: '100-0001 Chiyoda, Tokyo',
        },
      });
      registryIds.push(id);
    }
  }, 120_000);

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await system?.shutdown();
  });

  const sponsorGet = async (path: string): Promise<TrialPool> => {
    const res = await api.http().get(path).set(f.sponsorAlpha.auth).expect(200);
    sponsorAnswers.push(res.text);
    return res.body as TrialPool;
  };
  const feasibility = async (criteria: unknown, login = f.sponsorAlpha) => {
    const res = await api.http().post('/api/v1/feasibility').set(login.auth).send({ criteria });
    if (login === f.sponsorAlpha) sponsorAnswers.push(res.text);
    return res;
  };

  it('answers a feasibility query with a funnel in the order of the criteria, the pool, and reasons', async () => {
    const res = await feasibility(CRITERIA);
    expect(res.status).toBe(200);
    expect(res.body.funnel.steps.map((s: { path: string }) => s.path)).toEqual([
      '$.criteria.of[0]',
      '$.criteria.of[1]',
    ]);
    // Twelve people, none excluded, all a plasma test away: 12 with noise of at most 3, never shown below 15.
    expect(res.body.funnel).toMatchObject({ start: 15, excluded: 0 });
    expect(res.body.funnel.steps[1]).toMatchObject({ remaining: 15, excluded: 0 });
    expect(res.body.pool.oneTestAway).toMatchObject({ total: 15, byTest: { plasma: 15 }, site: { TKY: 15 } });
    expect(res.body.pool.eligible.total).toBe(0);
    expect(res.body.reasons).toEqual([
      expect.objectContaining({ kind: 'undetermined', path: '$.criteria.of[1]', count: null }),
    ]);
    expect(res.body.disclosure).toEqual({ minimumCellSize: 11, roundTo: 5, noiseBound: 3 });
    // The same question gets the same answer.
    expect((await feasibility(CRITERIA)).body).toEqual(res.body);
    const audited = await api.dataSource.query<{ changes: { field: string; new: unknown }[] }[]>(
      `SELECT changes FROM audit_event WHERE action = 'sponsor_query.feasibility'`,
    );
    expect(audited.length).toBe(2);
    expect(audited[0].changes).toContainEqual({ field: 'queryHash', old: null, new: res.body.queryHash });
  });

  it('refuses a criteria document as a trial would, naming each problem by its JSON path', async () => {
    const res = await feasibility({
      language: 1,
      criteria: { type: 'all', of: [{ type: 'age', min: 'sixty' }] },
    });
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { field: string }) => d.field)).toContain('criteria.criteria.of[0].min');
  });

  it('refuses coordinators (403)', async () => {
    expect((await feasibility(CRITERIA, f.coordinatorTokyo)).status).toBe(403);
  });

  it('shows a trial created from the query a pool that fills as visits are recorded', async () => {
    const created = await api
      .http()
      .post('/api/v1/trials')
      .set(f.sponsorAlpha.auth)
      .send({
        title: 'Plasma-positive prevention study',
        registryNumber: 'NCT09999991',
        phase: '3',
        status: 'recruiting',
        siteIds: [f.sites.tokyo],
        targetEnrolment: 500,
        criteria: CRITERIA,
      })
      .expect(201);
    trialId = created.body.id as string;
    await acceptTrialSites(api, f.admin, trialId, [f.sites.tokyo]);
    const poolPath = `/api/v1/trials/${trialId}/pool`;
    const before = await waitFor(
      () => sponsorGet(poolPath),
      (pool) => pool.awaitingScreening === 0 && pool.pool.oneTestAway.total === 15,
      'the first screen of the new trial',
    );
    expect(before.pool.eligible.total).toBe(0);

    for (const id of registryIds)
      await api
        .http()
        .post(`/api/v1/participants/${id}/visits`)
        .set(f.coordinatorTokyo.auth)
        .send({
          visitDate: tokyoToday(),
          assessments: [
            {
              type: 'plasma',
              values: { platform: 'fujirebio_lumipulse', analyte: 'ptau217', result: 'positive' },
            },
          ],
        })
        .expect(201);
    const after = await waitFor(
      () => sponsorGet(poolPath),
      (pool) => pool.pool.eligible.total === 15 && pool.pool.oneTestAway.total === 0,
      'the pool to fill',
    );
    expect(after.pool.eligible).toMatchObject({
      site: { TKY: 15 },
      amyloidBand: { positive: 15 },
      amyloidModality: { plasma: 15 },
    });
    // All twelve became eligible this month.
    expect(after.trend).toHaveLength(24);
    expect(after.trend[23]).toEqual({ month: tokyoToday().slice(0, 7), count: 15 });
    expect(after.trend.slice(0, 23).every((m: { count: unknown }) => m.count === 0)).toBe(true);
    expect(after.projection).toHaveLength(6);
  }, 120_000);

  it('answers 404 to another sponsor organisation and 403 to a coordinator', async () => {
    await api.http().get(`/api/v1/trials/${trialId}/pool`).set(f.sponsorBeta.auth).expect(404);
    await api.http().get(`/api/v1/trials/${trialId}/pool`).set(f.coordinatorTokyo.auth).expect(403);
  });

  it('never shows a sponsor a count from 1 to 10, nor anything that identifies a person', () => {
    expect(sponsorAnswers.length).toBeGreaterThan(3);
    for (const text of sponsorAnswers) {
      const body = JSON.parse(text) as unknown;
      expect(countsIn(body).filter((n) => n >= 1 && n <= 10)).toEqual([]);
      expect(personalDataIn(text, registryIds)).toEqual([]);
    }
  });

  it("limits an organisation's queries: past the limit, 429 with Retry-After, and the refusal audited", async () => {
    let refused: Awaited<ReturnType<typeof feasibility>> | undefined;
    for (let age = 50; age < 50 + QUERY_LIMIT + 1 && !refused; age++) {
      const res = await feasibility({ language: 1, criteria: { type: 'age', min: age } });
      if (res.status === 429) refused = res;
      else expect(res.status).toBe(200);
    }
    expect(refused?.status).toBe(429);
    expect(Number(refused!.headers['retry-after'])).toBeGreaterThan(0);
    const refusals = await api.dataSource.query<{ changes: { field: string; new: unknown }[] }[]>(
      `SELECT changes FROM audit_event WHERE action = 'sponsor_query.refused' ORDER BY id`,
    );
    const kindOf = (row: (typeof refusals)[number]) => row.changes.find((c) => c.field === 'kind')?.new;
    // The other organisation's read of this trial's pool (404), then the query over the limit.
    expect(refusals.map(kindOf)).toEqual(['pool', 'feasibility']);
  });
});
