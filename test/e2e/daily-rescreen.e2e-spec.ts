import type { INestApplicationContext } from '@nestjs/common';
import { addDays, CONSENT_SCOPES, TRIAL_TEMPLATES } from '@registry/domain';
import { JobName, QueueName, runScreeningJobId } from '@registry/jobs';
import { FixedClock, redisOptionsFromUrl } from '@registry/platform';
import { Job, Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { DailyRescreenService } from '../../apps/worker/src/screening/daily-rescreen.service';
import {
  createConsentDocument,
  enrolConsentedParticipant,
  personInput,
  tokyoToday,
} from '../support/cohort-fixture';
import { createTestSystem, startApi, startWorker, TestApi, TestSystem } from '../support/harness';
import { waitFor } from '../support/wait-for';
import { acceptTrialSites, createRecruitingTrial } from '../support/trial-fixture';
import { createIdentityFixture, identityEnv, IdentityFixture, Login } from '../support/identity-fixture';

/**
 * A site's daily re-screen runs on the site's own day. Four participants turn 65 on a day when daylight saving
 * time changes in Boston: two (Tokyo and Boston) on 14 March 2027, when Boston's clocks skip 02:00-03:00, and
 * two on 7 November 2027, when they repeat 01:00-02:00. The daily time is 02:30, which Boston skips on
 * 14 March. The clock is set by the test; ticks are the job the worker's scheduler sends every few minutes.
 */
const DAILY_AT = '02:30';

const AGE_65_TRIAL = {
  title: 'Age-triggered prevention study',
  registryNumber: 'NCT09000065',
  phase: '3',
  status: 'recruiting',
  targetEnrolment: 100,
  criteria: {
    language: 1,
    criteria: {
      type: 'all',
      of: [
        { type: 'age', min: 65, max: 85 },
        { type: 'consent', scope: 'recontact_for_trials' },
      ],
    },
  },
};

/**
 * Drives the daily re-screen as the worker's scheduler would: a tick at the clock's time, then waits until
 * every event is relayed and every screening job and run it started has finished.
 */
function dailyDriver(clock: FixedClock, apiOf: () => TestApi, queues: () => { screening: Queue }) {
  /** Nothing left to do: every event relayed, every screening job and run finished. */
  const settled = async () => {
    const [{ pending }] = await apiOf().dataSource.query<{ pending: number }[]>(
      `SELECT (SELECT count(*) FROM outbox_event WHERE published_at IS NULL)
            + (SELECT count(*) FROM screening_run WHERE finished_at IS NULL) AS pending`,
    );
    // A scheduler keeps one delayed job of its own.
    const queued = async (queue: Queue) =>
      [...(await queue.getWaiting()), ...(await queue.getActive()), ...(await queue.getDelayed())].filter(
        (job) => !job.repeatJobKey,
      ).length;
    return Number(pending) + (await queued(queues().screening));
  };
  const settle = () => waitFor(settled, (pending) => pending === 0, 'screening to settle');

  /** One tick, as the scheduler sends it, at the clock's time; then waits for the re-screens it started. */
  const tickAt = async (instant: string) => {
    clock.set(instant);
    const screeningQueue = queues().screening;
    const job = await screeningQueue.add(JobName.StartDailyRescreens, {}, { jobId: `tick-${randomUUID()}` });
    const finished = await waitFor(
      () => Job.fromId(screeningQueue, job.id!),
      (current) => current?.finishedOn !== undefined,
      'the tick',
    );
    if (finished?.failedReason) throw new Error(`tick failed: ${finished.failedReason}`);
    await settle();
    return finished!.returnvalue as { status: string; detail: { started?: unknown[] } };
  };
  return { settle, tickAt };
}

describe('daily re-screen: each site on its own day', () => {
  const clock = new FixedClock('2027-03-13T12:00:00Z');
  let system: TestSystem;
  let api: TestApi;
  let worker: INestApplicationContext;
  let secondWorker: INestApplicationContext;
  let screeningQueue: Queue;
  let f: IdentityFixture;
  const driver = dailyDriver(
    clock,
    () => api,
    () => ({ screening: screeningQueue }),
  );
  const participants: Record<'tokyoMarch' | 'bostonMarch' | 'tokyoNovember' | 'bostonNovember', string> = {
    tokyoMarch: '',
    bostonMarch: '',
    tokyoNovember: '',
    bostonNovember: '',
  };

  const enrol = async (
    coordinator: Login,
    siteId: string,
    birthDate: string,
    name: string,
    document: string,
  ) => {
    const enrolled = await api
      .http()
      .post('/api/v1/participants')
      .set(coordinator.auth)
      .send(
        personInput(siteId, {
          birthDate,
          identity: { familyName: name, givenName: 'Sam', email: `${name.toLowerCase()}@example.test` },
        }),
      )
      .expect(201);
    await api
      .http()
      .post(`/api/v1/participants/${enrolled.body.id}/consents`)
      .set(coordinator.auth)
      .send({ consentDocumentId: document, signedOn: '2024-01-01', scopes: CONSENT_SCOPES })
      .expect(201);
    return enrolled.body.id as string;
  };

  const settle = () => driver.settle();
  const tickAt = (instant: string) => driver.tickAt(instant);

  /**
   * Each site's daily re-screens: how many runs (one per trial recruiting there) and how many participants
   * their job walked (the site's own only, and of them only those whose determination time may have changed:
   * here, on a 65th birthday), as the job reported when it finished.
   */
  const dailyRescreens = async () => {
    const rows = await api.dataSource.query<{ site: string; forDate: string; runIds: string[] }[]>(
      `SELECT s.code AS site, d.for_date::text AS "forDate",
              coalesce(array_agg(r.id ORDER BY r.id) FILTER (WHERE r.id IS NOT NULL), '{}') AS "runIds"
         FROM daily_rescreen d JOIN site s ON s.id = d.site_id LEFT JOIN screening_run r ON r.daily_rescreen_id = d.id
        GROUP BY s.code, d.for_date ORDER BY d.for_date, s.code`,
    );
    return Promise.all(
      rows.map(async ({ site, forDate, runIds }) => {
        const job =
          runIds.length > 0 ? await Job.fromId(screeningQueue, runScreeningJobId(runIds)) : undefined;
        const outcome = job?.returnvalue as { detail: { screened: number } } | undefined;
        return { site, forDate, runs: runIds.length, walked: outcome?.detail.screened };
      }),
    );
  };

  /** The eligible flags raised so far, by participant: [episodes]. */
  const eligibleFlags = async () => {
    const rows = await api.dataSource.query<{ participant_id: string; episode: number }[]>(
      `SELECT participant_id, episode FROM eligibility_flag WHERE kind = 'eligible' ORDER BY participant_id, episode`,
    );
    const byName: Record<string, number[]> = {};
    for (const [name, id] of Object.entries(participants)) {
      const episodes = rows.filter((row) => row.participant_id === id).map((row) => row.episode);
      if (episodes.length > 0) byName[name] = episodes;
    }
    return byName;
  };

  beforeAll(async () => {
    system = await createTestSystem({
      ...identityEnv,
      OUTBOX_POLL_INTERVAL_MS: '100',
      DAILY_RESCREEN_LOCAL_TIME: DAILY_AT,
    });
    const connection = {
      prefix: system.config.REDIS_KEY_PREFIX,
      connection: redisOptionsFromUrl(system.config.REDIS_URL),
    };
    screeningQueue = new Queue(QueueName.Screening, connection);
    // What a worker of the previous release registered: the one 02:15 UTC re-screen for every site.
    await screeningQueue.upsertJobScheduler(
      'screening:rescreen-recruiting:daily',
      { pattern: '15 2 * * *', tz: 'UTC' },
      { name: 'rescreen-recruiting-trials', data: {} },
    );
    api = await startApi(system.config, [], { clock });
    worker = await startWorker(system.config, { clock });
    secondWorker = await startWorker(system.config, { clock });
    f = await createIdentityFixture(api);
    const document = await createConsentDocument(api, f.admin);
    const { tokyo, boston } = f.sites;
    participants.tokyoMarch = await enrol(f.coordinatorTokyo, tokyo, '1962-03-14', 'Sato', document);
    participants.bostonMarch = await enrol(f.coordinatorBoston, boston, '1962-03-14', 'Smith', document);
    participants.tokyoNovember = await enrol(f.coordinatorTokyo, tokyo, '1962-11-07', 'Suzuki', document);
    participants.bostonNovember = await enrol(f.coordinatorBoston, boston, '1962-11-07', 'Jones', document);
    const trial = await api
      .http()
      .post('/api/v1/trials')
      .set(f.sponsorAlpha.auth)
      .send({ ...AGE_65_TRIAL, siteIds: [tokyo, boston] })
      .expect(201);
    await acceptTrialSites(api, f.admin, trial.body.id, [tokyo, boston]);
    await settle();
  });

  afterAll(async () => {
    await screeningQueue?.close();
    await secondWorker?.close();
    await worker?.close();
    await api?.close();
    await system?.shutdown();
  });

  it('removes the retired 02:15 UTC scheduler at boot and ticks every few minutes instead', async () => {
    const schedulers = await screeningQueue.getJobSchedulers();
    expect(schedulers.map((s) => [s.key, s.pattern, s.tz])).toEqual([
      ['screening:daily-rescreen:tick', '*/5 * * * *', 'UTC'],
    ]);
    // Its next run, already queued as a delayed job, went with it.
    expect((await screeningQueue.getDelayed()).map((job) => job.name)).toEqual([JobName.StartDailyRescreens]);
  });

  describe('14 March 2027: Boston skips 02:00-03:00', () => {
    it('judges each site on its own 13 March: at 64 no one is flagged', async () => {
      // 12:00 UTC: 21:00 in Tokyo, 07:00 in Boston, both on the 13th.
      await tickAt('2027-03-13T12:00:00Z');
      expect(await dailyRescreens()).toEqual([
        { site: 'BOS', forDate: '2027-03-13', runs: 1, walked: 0 },
        { site: 'TKY', forDate: '2027-03-13', runs: 1, walked: 0 },
      ]);
      expect(await eligibleFlags()).toEqual({});
    });

    it('starts nothing in Tokyo after its midnight until the daily time', async () => {
      // 02:20 on the 14th in Tokyo.
      const tick = await tickAt('2027-03-13T17:20:00Z');
      expect(tick.status).toBe('skipped');
      expect(await dailyRescreens()).toHaveLength(2);
      expect(await eligibleFlags()).toEqual({});
    });

    it('flags the Tokyo participant on their 65th birthday in Tokyo, not the Boston one, still on the 13th', async () => {
      // 02:35 on the 14th in Tokyo; 12:35 on the 13th in Boston, whose day has been screened already.
      const tick = await tickAt('2027-03-13T17:35:00Z');
      expect(tick.detail.started).toEqual([{ siteId: f.sites.tokyo, forDate: '2027-03-14', runs: 1 }]);
      expect((await dailyRescreens()).at(-1)).toEqual({
        site: 'TKY',
        forDate: '2027-03-14',
        runs: 1,
        walked: 1, // Tokyo's participant turning 65 that day only
      });
      expect(await eligibleFlags()).toEqual({ tokyoMarch: [1] });
      const [determination] = await api.dataSource.query<{ result: string; as_of: string }[]>(
        `SELECT result, as_of::text FROM eligibility_determination WHERE participant_id = $1`,
        [participants.tokyoMarch],
      );
      expect(determination).toEqual({ result: 'eligible', as_of: '2027-03-14' });
    });

    it('does not start Boston’s 14 March at 01:59, before its clocks skip an hour', async () => {
      const tick = await tickAt('2027-03-14T06:59:00Z');
      expect(tick.status).toBe('skipped');
      expect(await eligibleFlags()).toEqual({ tokyoMarch: [1] });
    });

    it('starts Boston’s 14 March at 03:00 EDT (02:30 never comes) once, with two workers racing a tick', async () => {
      clock.set('2027-03-14T07:00:00Z');
      const [first, second, tick] = await Promise.all([
        worker.get(DailyRescreenService).startDue(),
        secondWorker.get(DailyRescreenService).startDue(),
        tickAt('2027-03-14T07:00:00Z'),
      ]);
      expect([...first, ...second, ...(tick.detail.started ?? [])]).toEqual([
        { siteId: f.sites.boston, forDate: '2027-03-14', runs: 1 },
      ]);
      await settle();
      expect((await dailyRescreens()).filter((d) => d.forDate === '2027-03-14')).toEqual([
        { site: 'BOS', forDate: '2027-03-14', runs: 1, walked: 1 },
        { site: 'TKY', forDate: '2027-03-14', runs: 1, walked: 1 },
      ]);
      expect(await eligibleFlags()).toEqual({ tokyoMarch: [1], bostonMarch: [1] });
    });

    it('starts nothing more that day: a retried tick creates no run and no flag', async () => {
      // 03:05 and 10:00 EDT in Boston; 16:05 and 23:00 in Tokyo, still the 14th.
      for (const instant of ['2027-03-14T07:05:00Z', '2027-03-14T14:00:00Z']) {
        expect((await tickAt(instant)).status).toBe('skipped');
      }
      expect(await dailyRescreens()).toHaveLength(4);
      expect(await eligibleFlags()).toEqual({ tokyoMarch: [1], bostonMarch: [1] });
    });
  });

  describe('7 November 2027: Boston repeats 01:00-02:00', () => {
    it('judges each site on its own 6 November: at 64 no one new is flagged', async () => {
      await tickAt('2027-11-06T12:00:00Z');
      expect((await dailyRescreens()).filter((d) => d.forDate === '2027-11-06')).toEqual([
        { site: 'BOS', forDate: '2027-11-06', runs: 1, walked: 0 },
        { site: 'TKY', forDate: '2027-11-06', runs: 1, walked: 0 },
      ]);
      expect(await eligibleFlags()).toEqual({ tokyoMarch: [1], bostonMarch: [1] });
    });

    it('flags the Tokyo participant on 7 November in Tokyo, not the Boston one, still on the 6th', async () => {
      const tick = await tickAt('2027-11-06T17:35:00Z');
      expect(tick.detail.started).toEqual([{ siteId: f.sites.tokyo, forDate: '2027-11-07', runs: 1 }]);
      expect(await eligibleFlags()).toEqual({ tokyoMarch: [1], bostonMarch: [1], tokyoNovember: [1] });
    });

    it('does not start Boston’s 7 November at either 01:30 or at 02:25 EST', async () => {
      // 01:30 EDT, 01:30 EST (the repeated hour), 02:25 EST.
      for (const instant of ['2027-11-07T05:30:00Z', '2027-11-07T06:30:00Z', '2027-11-07T07:25:00Z']) {
        expect((await tickAt(instant)).status).toBe('skipped');
      }
      expect(await eligibleFlags()).toEqual({ tokyoMarch: [1], bostonMarch: [1], tokyoNovember: [1] });
    });

    it('starts Boston’s 7 November at 02:30 EST and flags its participant once', async () => {
      const tick = await tickAt('2027-11-07T07:35:00Z');
      expect(tick.detail.started).toEqual([{ siteId: f.sites.boston, forDate: '2027-11-07', runs: 1 }]);
      expect((await tickAt('2027-11-07T08:35:00Z')).status).toBe('skipped');
      expect(await eligibleFlags()).toEqual({
        tokyoMarch: [1],
        bostonMarch: [1],
        tokyoNovember: [1],
        bostonNovember: [1],
      });
      expect(await dailyRescreens()).toHaveLength(8);
    });
  });
});

/**
 * AHEAD 3-45 asks ages 55-64 for one extra risk factor (facts.md section 1.4). A Tokyo participant aged 64
 * with none (no family history, no e4 allele, an intermediate PET in the A3 band, which is not "known
 * elevated" amyloid) but whose results otherwise qualify for A3 becomes eligible on their 65th birthday: the
 * daily re-screen of the day before finds them ineligible, the one on the birthday flags them, once.
 * Dates are relative to today so the visit stays within the template's recency windows whenever this runs.
 */
describe('daily re-screen: AHEAD A3 on the 65th birthday of a participant with no other risk factor', () => {
  const AHEAD_A3 = TRIAL_TEMPLATES.find((template) => template.key === 'ahead-a3')!;
  const visitDay = tokyoToday();
  // 30 days on, away from 29 February, so that the birthday exists in every year.
  let birthday = addDays(visitDay, 30);
  if (birthday.endsWith('-02-29')) birthday = addDays(birthday, 1);
  const dayBefore = addDays(birthday, -1);
  const birthDate = `${Number(birthday.slice(0, 4)) - 65}${birthday.slice(4)}`;
  // Tokyo is UTC+9 all year: 03:00 UTC is noon there, 17:35 UTC is 02:35 the next day. The participant is
  // registered, enrolled and seen on the visit day; the clock then moves to the daily re-screens.
  const clock = new FixedClock(`${visitDay}T03:00:00Z`);
  let system: TestSystem;
  let api: TestApi;
  let worker: INestApplicationContext;
  let screeningQueue: Queue;
  let participantId: string;
  const driver = dailyDriver(
    clock,
    () => api,
    () => ({ screening: screeningQueue }),
  );

  const determination = async () =>
    (
      await api.dataSource.query<{ result: string; as_of: string }[]>(
        `SELECT result, as_of::text FROM eligibility_determination WHERE participant_id = $1`,
        [participantId],
      )
    )[0];
  const eligibleFlags = async () =>
    (
      await api.dataSource.query<{ episode: number }[]>(
        `SELECT episode FROM eligibility_flag WHERE participant_id = $1 AND kind = 'eligible'`,
        [participantId],
      )
    ).map((row) => row.episode);

  beforeAll(async () => {
    system = await createTestSystem({
      ...identityEnv,
      OUTBOX_POLL_INTERVAL_MS: '100',
      DAILY_RESCREEN_LOCAL_TIME: DAILY_AT,
    });
    const connection = {
      prefix: system.config.REDIS_KEY_PREFIX,
      connection: redisOptionsFromUrl(system.config.REDIS_URL),
    };
    screeningQueue = new Queue(QueueName.Screening, connection);
    api = await startApi(system.config, [], { clock });
    worker = await startWorker(system.config, { clock });
    const f = await createIdentityFixture(api);
    const document = await createConsentDocument(api, f.admin);
    participantId = await enrolConsentedParticipant(api, f, document, {
      birthDate,
      apoeGenotype: 'e3/e3',
      familyHistory: { present: false },
    });
    const coordinator = f.coordinatorTokyo.auth;
    await api
      .http()
      .post(`/api/v1/participants/${participantId}/status`)
      .set(coordinator)
      .send({ to: 'enrolled', effectiveDate: visitDay, reason: 'Followed in the registry' })
      .expect(200);
    await api
      .http()
      .post(`/api/v1/participants/${participantId}/visits`)
      .set(coordinator)
      .send({
        visitDate: visitDay,
        deviationReason: 'Work-up for the AHEAD 3-45 test',
        assessments: [
          { type: 'mmse', values: { total: 29 } },
          {
            type: 'cdr',
            values: {
              memory: 0,
              orientation: 0,
              judgmentProblemSolving: 0,
              communityAffairs: 0,
              homeHobbies: 0,
              personalCare: 0,
            },
          },
          { type: 'logical_memory', values: { delayedRecall: 12 } },
          {
            type: 'mri',
            values: {
              microhaemorrhages: 0,
              superficialSiderosis: false,
              macrohaemorrhage: false,
              ariaE: false,
              infarcts: 0,
            },
          },
          // Avid florbetapir: 183 x 1.104 - 177 = 25 CL, in the A3 band (20-40) and intermediate, not elevated.
          {
            type: 'amyloid_pet',
            values: {
              tracer: 'florbetapir',
              suvr: 1.104,
              pipeline: 'avid',
              referenceRegion: 'whole_cerebellum',
            },
          },
        ],
      })
      .expect(201);
    await createRecruitingTrial(
      api,
      { sponsor: f.sponsorAlpha, admin: f.admin },
      AHEAD_A3,
      [f.sites.tokyo],
      400,
    );
    await driver.settle();
  });

  afterAll(async () => {
    await screeningQueue?.close();
    await worker?.close();
    await api?.close();
    await system?.shutdown();
  });

  it('is ineligible the day before the 65th birthday: aged 64 with no risk factor', async () => {
    const tick = await driver.tickAt(`${dayBefore}T03:00:00Z`);
    expect(tick.detail.started).toContainEqual(expect.objectContaining({ forDate: dayBefore, runs: 1 }));
    // Still ineligible, so the determination stored at the first screen stands (it is rewritten on a change).
    expect((await determination()).result).toBe('ineligible');
    expect(await eligibleFlags()).toEqual([]);
  });

  it('is eligible and flagged once on the birthday, by that day’s daily re-screen at the site', async () => {
    const tick = await driver.tickAt(`${dayBefore}T17:35:00Z`); // 02:35 on the birthday in Tokyo
    expect(tick.detail.started).toContainEqual(expect.objectContaining({ forDate: birthday, runs: 1 }));
    expect(await determination()).toEqual({ result: 'eligible', as_of: birthday });
    expect(await eligibleFlags()).toEqual([1]);
    expect((await driver.tickAt(`${birthday}T05:00:00Z`)).status).toBe('skipped');
    expect(await eligibleFlags()).toEqual([1]);
  });
});
