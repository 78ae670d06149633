import type { INestApplicationContext } from '@nestjs/common';
import { TRIAL_TEMPLATES } from '@registry/domain';
import { JobName, QueueName } from '@registry/jobs';
import { redisOptionsFromUrl } from '@registry/platform';
import { Queue } from 'bullmq';
import { ScreeningService } from '../../apps/worker/src/screening/screening.service';
import { createConsentDocument, enrolConsentedParticipant, tokyoToday } from '../support/cohort-fixture';
import { createTestSystem, startApi, startWorker, TestApi, TestSystem } from '../support/harness';
import { waitFor } from '../support/wait-for';
import { createIdentityFixture, identityEnv, IdentityFixture } from '../support/identity-fixture';
import { acceptTrialSites } from '../support/trial-fixture';

const TB3 = TRIAL_TEMPLATES.find((t) => t.key === 'trailblazer-alz-3')!;

describe('screening: trials, determinations and flags', () => {
  let system: TestSystem;
  let api: TestApi;
  let worker: INestApplicationContext;
  let f: IdentityFixture;
  let participantId: string;
  let trialId: string;

  beforeAll(async () => {
    system = await createTestSystem({ ...identityEnv, OUTBOX_POLL_INTERVAL_MS: '100' });
    api = await startApi(system.config);
    worker = await startWorker(system.config);
    f = await createIdentityFixture(api);
    const documentId = await createConsentDocument(api, f.admin);
    participantId = await enrolConsentedParticipant(api, f, documentId);
    await api
      .http()
      .post(`/api/v1/participants/${participantId}/status`)
      .set(f.coordinatorTokyo.auth)
      .send({ to: 'enrolled', effectiveDate: tokyoToday(), reason: 'Followed in the registry' })
      .expect(200);
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await system?.shutdown();
  });

  const flags = async (where = 'true') =>
    api.dataSource.query<
      {
        kind: string;
        episode: number;
        closed_at: Date | null;
        close_reason: string | null;
        test: string | null;
      }[]
    >(
      `SELECT kind, episode, closed_at, close_reason, test FROM eligibility_flag WHERE participant_id = $1 AND ${where} ORDER BY raised_at`,
      [participantId],
    );
  const openFlags = () => flags('closed_at IS NULL');

  it('refuses invalid criteria with each problem and its JSON path', async () => {
    const res = await api
      .http()
      .post('/api/v1/trials')
      .set(f.sponsorAlpha.auth)
      .send({
        title: 'Broken',
        registryNumber: 'NCT05026866',
        phase: '3',
        status: 'draft',
        siteIds: [f.sites.tokyo],
        targetEnrolment: 10,
        criteria: {
          language: 1,
          criteria: {
            type: 'all',
            of: [
              { type: 'measure', measure: 'mmse.totl', comparator: '>=', value: 1 },
              { type: 'age', min: 80, max: 55 },
            ],
          },
        },
      })
      .expect(400);
    expect(
      res.body.details.map((d: { field: string; constraint: string }) => `${d.field} ${d.constraint}`),
    ).toEqual(['criteria.criteria.of[0].measure isIn', 'criteria.criteria.of[1] minNotAboveMax']);
  });

  it('screens the cohort when a trial starts recruiting and flags who is one test away', async () => {
    const res = await api
      .http()
      .post('/api/v1/trials')
      .set(f.sponsorAlpha.auth)
      .send({
        title: TB3.title,
        registryNumber: TB3.registryNumber,
        phase: TB3.phase,
        status: 'recruiting',
        siteIds: [f.sites.tokyo],
        targetEnrolment: 2000,
        criteria: TB3.criteria,
      })
      .expect(201);
    trialId = res.body.id;
    await acceptTrialSites(api, f.admin, trialId, [f.sites.tokyo]);
    const open = await waitFor(openFlags, (rows) => rows.length === 1, 'a one-test-away flag');
    expect(open[0]).toMatchObject({ kind: 'one_test_away', episode: 1, test: 'plasma' });
  });

  it('flags a participant who becomes eligible after a visit, exactly once', async () => {
    await api
      .http()
      .post(`/api/v1/participants/${participantId}/visits`)
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
    const open = await waitFor(
      openFlags,
      (rows) => rows.length === 1 && rows[0].kind === 'eligible',
      'an eligible flag',
    );
    expect(open).toEqual([expect.objectContaining({ kind: 'eligible', episode: 1 })]);
    const closed = await flags(`kind = 'one_test_away'`);
    expect(closed[0]).toMatchObject({ close_reason: 'now eligible' });

    // A retried job, a second worker and a direct screen racing it change nothing.
    const second = await startWorker(system.config);
    const queue = new Queue(QueueName.Screening, {
      prefix: system.config.REDIS_KEY_PREFIX,
      connection: redisOptionsFromUrl(system.config.REDIS_URL),
    });
    try {
      await queue.add(JobName.ScreenParticipant, { participantId });
      await queue.add(JobName.ScreenParticipant, { participantId });
      const screening = worker.get(ScreeningService);
      await Promise.all([screening.screen([participantId]), screening.screen([participantId])]);
      // The daily scheduler keeps one delayed job of its own; screening jobs must all be done.
      const pendingScreens = async () =>
        [...(await queue.getWaiting()), ...(await queue.getActive()), ...(await queue.getDelayed())].filter(
          (job) => job.name === (JobName.ScreenParticipant as string),
        ).length;
      await waitFor(pendingScreens, (n) => n === 0, 'the screening jobs to finish');
    } finally {
      await queue.close();
      await second.close();
    }
    expect(await flags(`kind = 'eligible'`)).toHaveLength(1);
  });

  it('explains the determination to the participant’s site', async () => {
    const res = await api
      .http()
      .get(`/api/v1/participants/${participantId}/eligibility`)
      .set(f.coordinatorTokyo.auth)
      .expect(200);
    expect(res.body).toHaveLength(1);
    expect(res.body[0]).toMatchObject({
      trialId,
      result: 'eligible',
      oneTestAway: null,
      criteriaVersion: 1,
      asOf: tokyoToday(),
    });
    const summary = res.body[0].explanation.summary as {
      criterion: string;
      result: string;
      value: unknown;
    }[];
    expect(summary.find((l) => l.criterion.startsWith('plasma result'))).toMatchObject({
      result: 'pass',
      value: 'positive',
    });
    await api
      .http()
      .get(`/api/v1/participants/${participantId}/eligibility`)
      .set(f.coordinatorBoston.auth)
      .expect(404);
    const history = await api.dataSource.query(
      `SELECT result, one_test_away FROM eligibility_determination_history WHERE participant_id = $1 ORDER BY id`,
      [participantId],
    );
    expect(history).toEqual([
      { result: 'undetermined', one_test_away: 'plasma' },
      { result: 'eligible', one_test_away: null },
    ]);
  });

  it('lets the coordinator list and acknowledge the flag', async () => {
    const list = await api.http().get('/api/v1/flags').set(f.coordinatorTokyo.auth).expect(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({ participantId, trialId, kind: 'eligible', trialTitle: TB3.title }),
    ]);
    const other = await api.http().get('/api/v1/flags').set(f.coordinatorBoston.auth).expect(200);
    expect(other.body.total).toBe(0);
    await api
      .http()
      .post(`/api/v1/flags/${list.body.items[0].id}/acknowledge`)
      .set(f.coordinatorBoston.auth)
      .expect(404);
    const acknowledged = await api
      .http()
      .post(`/api/v1/flags/${list.body.items[0].id}/acknowledge`)
      .set(f.coordinatorTokyo.auth)
      .expect(200);
    expect(acknowledged.body.acknowledgedAt).toBeTruthy();
    const stillOpen = await api
      .http()
      .get('/api/v1/flags?status=acknowledged')
      .set(f.coordinatorTokyo.auth)
      .expect(200);
    expect(stillOpen.body.total).toBe(1);
  });

  it('re-screens the cohort on a new criteria version, with progress visible', async () => {
    const stricter = {
      language: 1,
      criteria: {
        type: 'all',
        of: [...(TB3.criteria.criteria as { of: object[] }).of, { type: 'age', min: 75 }],
      },
    };
    const res = await api
      .http()
      .put(`/api/v1/trials/${trialId}/criteria`)
      .set(f.sponsorAlpha.auth)
      .send({ criteria: stricter })
      .expect(200);
    expect(res.body.trial.criteriaVersion).toBe(2);
    const runPath = `/api/v1/trials/${trialId}/screening-runs/${res.body.screeningRunId}`;
    const run = await waitFor(
      async () =>
        (await api.http().get(runPath).set(f.sponsorAlpha.auth).expect(200)).body as {
          finishedAt: string | null;
        },
      (body) => body.finishedAt !== null,
      'the run to finish',
    );
    // A sponsor sees how far the run got, never how many it walked; an admin sees the numbers.
    expect(run).toMatchObject({
      criteriaVersion: 2,
      cause: 'criteria_changed',
      done: null,
      total: null,
      progressPercent: 100,
    });
    const exact = await api.http().get(runPath).set(f.admin.auth).expect(200);
    expect(exact.body).toMatchObject({ criteriaVersion: 2, done: 1, total: 1 });
    // 68 years old: no longer eligible under the new version, and the flag says why.
    const eligibility = await api
      .http()
      .get(`/api/v1/participants/${participantId}/eligibility`)
      .set(f.coordinatorTokyo.auth)
      .expect(200);
    expect(eligibility.body[0]).toMatchObject({ result: 'ineligible', criteriaVersion: 2 });
    expect((await flags(`kind = 'eligible'`))[0].close_reason).toBe('no longer eligible: age >= 75');
    await api.http().get(runPath).set(f.sponsorBeta.auth).expect(404);
  });

  it('raises a new episode when eligibility returns, and never flags without recontact consent', async () => {
    await api
      .http()
      .put(`/api/v1/trials/${trialId}/criteria`)
      .set(f.sponsorAlpha.auth)
      .send({ criteria: TB3.criteria })
      .expect(200);
    await waitFor(
      () => flags(`kind = 'eligible' AND closed_at IS NULL`),
      (rows) => rows.length === 1,
      'the second episode',
    );
    expect((await flags(`kind = 'eligible'`)).map((row) => row.episode)).toEqual([1, 2]);

    const consents = await api
      .http()
      .get(`/api/v1/participants/${participantId}/consents`)
      .set(f.coordinatorTokyo.auth)
      .expect(200);
    await api
      .http()
      .post(`/api/v1/participants/${participantId}/consents/${consents.body.consents[0].id}/withdrawals`)
      .set(f.coordinatorTokyo.auth)
      .send({
        scopes: ['recontact_for_trials'],
        withdrawnOn: tokyoToday(),
        reason: 'Does not want to hear about trials',
      })
      .expect(201);
    const closed = await waitFor(
      () => flags(`kind = 'eligible' AND episode = 2`),
      (rows) => rows[0]?.closed_at !== null,
      'the flag to close',
    );
    expect(closed[0].close_reason).toBe('no consent to be recontacted for trials');
    // Still screened, and the explanation says why there is no flag: the template asks for that consent.
    const eligibility = await api
      .http()
      .get(`/api/v1/participants/${participantId}/eligibility`)
      .set(f.coordinatorTokyo.auth)
      .expect(200);
    const failing = (
      eligibility.body[0].explanation.summary as { criterion: string; result: string }[]
    ).filter((leaf) => leaf.result === 'fail');
    expect(failing.map((leaf) => leaf.criterion)).toEqual(['consent to recontact_for_trials']);
  });

  // Random ids put each flag of a first screen on a random page of the key, written whole to the WAL after
  // every checkpoint (migration FlagTimeOrderedIds).
  it('gives flags time-ordered ids: UUID version 7, carrying the millisecond they were inserted', async () => {
    const raised = await api.dataSource.query<{ id: string; raised_at: Date; clock: Date }[]>(
      `SELECT id, raised_at, clock_timestamp() AS clock FROM eligibility_flag WHERE participant_id = $1 ORDER BY raised_at, id`,
      [participantId],
    );
    expect(raised.length).toBeGreaterThanOrEqual(3);
    for (const { id, raised_at: raisedAt, clock } of raised) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      // Made by clock_timestamp() while inserting, in the transaction begun at raised_at (now()).
      const millis = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
      expect(millis).toBeGreaterThanOrEqual(Math.floor(raisedAt.getTime()));
      expect(millis).toBeLessThanOrEqual(clock.getTime());
    }
  });

  it('keeps trials to their sponsor and to the sites that take part', async () => {
    await api.http().get(`/api/v1/trials/${trialId}`).set(f.sponsorBeta.auth).expect(404);
    await api.http().get(`/api/v1/trials/${trialId}`).set(f.coordinatorTokyo.auth).expect(200);
    await api.http().get(`/api/v1/trials/${trialId}`).set(f.coordinatorBoston.auth).expect(404);
    const templates = await api.http().get('/api/v1/trials/templates').set(f.sponsorBeta.auth).expect(200);
    expect(templates.body.map((t: { key: string }) => t.key)).toEqual([
      'a4',
      'ahead-a3',
      'ahead-a45',
      'trailblazer-alz-3',
    ]);
  });

  it('clears open flags when the trial closes', async () => {
    await api.dataSource.query(
      `INSERT INTO eligibility_flag (participant_id, trial_id, kind, episode, criteria_version) VALUES ($1, $2, 'one_test_away', 99, 1)`,
      [participantId, trialId],
    );
    await api
      .http()
      .patch(`/api/v1/trials/${trialId}`)
      .set(f.sponsorAlpha.auth)
      .send({ status: 'closed' })
      .expect(200);
    expect(await openFlags()).toEqual([]);
    expect((await flags('episode = 99'))[0].close_reason).toBe('trial closed');
  });
});
