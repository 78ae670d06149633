import { addDays, TRIAL_TEMPLATES } from '@registry/domain';
import {
  DailyRescreenRepository,
  dataSourceOptions,
  DeterminationRepository,
  ScreeningRepository,
  ScreeningRunRepository,
  WebhookRepository,
  TypeOrmTransactions,
} from '@registry/persistence';
import { FixedClock, SiteCalendar } from '@registry/platform';
import { DataSource } from 'typeorm';
import { CohortRunner } from '../../apps/worker/src/screening/cohort-runner';
import { DailyRescreenService } from '../../apps/worker/src/screening/daily-rescreen.service';
import { ScreeningService } from '../../apps/worker/src/screening/screening.service';
import { createTestSystem, TestSystem } from '../support/harness';
import { cohortParticipantIds, writeTrialCohort } from '../support/synthetic-cohort';

/**
 * A site's daily re-screen judges only the participants whose stored time-change day has come. This proves it
 * misses no one: a synthetic cohort (four sites in three time zones, results from the last two years and no
 * visit after the first day, so that every result leaves its window during the period, and birthdays across
 * every age band) is screened once, then each site's daily re-screen runs on each of 400 days, and after each
 * day a full re-screen of everyone, as after a change of their data (every time-change day worked out
 * again), finds nothing to write: the same determinations, the same days, the same open flags.
 *
 * The services are called directly (no queue, no outbox relay): 12:00 UTC is the afternoon or evening of the
 * same day at every demo site, past the daily re-screen time.
 */
const FIRST_DAY = '2026-01-05';
const DAYS = 400;
const PARTICIPANTS = 160;

describe('daily re-screen: only those whom time may have changed, and no one missed', () => {
  const clock = new FixedClock(`${FIRST_DAY}T12:00:00Z`);
  let system: TestSystem;
  let owner: DataSource;
  let app: DataSource;
  let screening: ScreeningService;
  let runner: CohortRunner;
  let dailyRescreens: DailyRescreenService;
  let participantIds: string[];

  /** Counts that the period changed something: history rows, flags raised, flags closed. */
  const activity = async () => {
    const [row] = await app.query<{ history: number; raised: number; closed: number }[]>(
      `SELECT (SELECT count(*)::int FROM eligibility_determination_history) AS history,
              (SELECT count(*)::int FROM eligibility_flag) AS raised,
              (SELECT count(*)::int FROM eligibility_flag WHERE closed_at IS NOT NULL) AS closed`,
    );
    return row;
  };

  /** Each site's daily re-screen of `day`, walked to its end: the runs' totals and how many it walked. */
  const runDailyRescreens = async (day: string) => {
    clock.set(`${day}T12:00:00Z`);
    await dailyRescreens.startDue();
    const runs = await app.query<{ id: string; site_id: string; total: number }[]>(
      `SELECT r.id, d.site_id, r.total FROM screening_run r JOIN daily_rescreen d ON d.id = r.daily_rescreen_id
        WHERE d.for_date = $1 ORDER BY d.site_id, r.id`,
      [day],
    );
    const walks: { siteId: string; totals: number[]; walked: number | undefined }[] = [];
    for (const siteId of new Set(runs.map((run) => run.site_id))) {
      const ofSite = runs.filter((run) => run.site_id === siteId);
      const outcome = await runner.run(
        ofSite.map((run) => run.id),
        () => Promise.resolve(),
        // A site's daily re-screen here is far below SCREENING_PARTITION_SIZE: one partition, walked here.
        () => Promise.reject(new Error('a daily re-screen of this size is not split')),
      );
      const walked = (outcome.detail as { screened?: number } | undefined)?.screened;
      walks.push({ siteId, totals: ofSite.map((run) => run.total), walked });
    }
    return walks;
  };

  beforeAll(async () => {
    system = await createTestSystem();
    owner = await writeTrialCohort(system, 'daily-rescreen-due-seed', {
      participants: PARTICIPANTS,
      seed: 20260105,
      today: FIRST_DAY,
      historyYears: 2,
    });

    app = new DataSource(dataSourceOptions(system.config, 'daily-rescreen-due-test'));
    await app.initialize();
    const transactions = new TypeOrmTransactions(app);
    const reads = new ScreeningRepository();
    const runs = new ScreeningRunRepository();
    const calendar = new SiteCalendar(clock);
    screening = new ScreeningService(transactions, reads, new DeterminationRepository(), calendar);
    runner = new CohortRunner(
      screening,
      transactions,
      runs,
      reads,
      new WebhookRepository(),
      clock,
      system.config,
    );
    dailyRescreens = new DailyRescreenService(
      transactions,
      new DailyRescreenRepository(),
      runs,
      system.config,
      clock,
      calendar,
      screening,
    );
    participantIds = await cohortParticipantIds(app);
  }, 60_000);

  afterAll(async () => {
    await app?.destroy();
    await owner?.destroy();
    await system?.shutdown();
  });

  it('screened once, then re-screened daily for 400 days, each day agrees with a full re-screen of everyone', async () => {
    await screening.screen(participantIds);
    const first = await activity();
    // Rows stored before the day was kept (as the migration leaves them): due on the first daily run.
    await owner.query(
      `UPDATE eligibility_determination SET changes_with_time_on = '-infinity'
        WHERE participant_id IN (SELECT id FROM participant ORDER BY id LIMIT 20)`,
    );

    const disagreements: unknown[] = [];
    const walks: { day: string; walked: number | undefined; totals: number[] }[] = [];
    for (let n = 1; n <= DAYS; n++) {
      const day = addDays(FIRST_DAY, n);
      for (const site of await runDailyRescreens(day)) walks.push({ day, ...site });
      // Every participant, every day-change worked out again: a daily run that missed someone leaves a
      // determination, a flag or a time-change day that this one would write.
      const full = await screening.screen(participantIds);
      if (full.participantsWritten > 0) disagreements.push({ day, ...full });
    }

    expect(disagreements).toEqual([]);
    // Each site ran every day, one run per trial, and each run counted as its total the participants walked.
    expect(walks).toHaveLength(DAYS * 4);
    for (const walk of walks) expect(walk.totals).toEqual(TRIAL_TEMPLATES.map(() => walk.walked));
    // The period changed something: birthdays and results leaving their windows rewrote determinations,
    // raised flags and closed them, all by the daily runs (the full re-screens wrote nothing).
    const last = await activity();
    expect(last.history).toBeGreaterThan(first.history + 50);
    expect(last.raised).toBeGreaterThan(first.raised);
    expect(last.closed).toBeGreaterThan(0);
    // A daily run walks a few participants at most; on many site-days nobody is due and it walks nobody.
    const walked = walks.map((walk) => walk.walked ?? 0);
    expect(walked.filter((count) => count === 0).length).toBeGreaterThan(0);
    expect(walked.reduce((sum, count) => sum + count, 0)).toBeLessThan((DAYS * PARTICIPANTS) / 10);
    // The first day's runs walked at least the participants whose days had not been worked out.
    expect(walks.slice(0, 4).reduce((sum, walk) => sum + (walk.walked ?? 0), 0)).toBeGreaterThanOrEqual(20);
    // 400 days of daily runs and 400 full re-screens: 80-90 s on an idle 2-core machine, more when it is busy.
  }, 240_000);

  it('on a day with nothing due at a site, its daily run counts and walks nobody', async () => {
    for (let n = DAYS + 1; n <= DAYS + 30; n++) {
      const day = addDays(FIRST_DAY, n);
      // The sites where no determination's day has come, as told before their runs start.
      const idle = await app.query<{ id: string }[]>(
        `SELECT s.id FROM site s WHERE NOT EXISTS (
           SELECT 1 FROM participant p JOIN eligibility_determination d ON d.participant_id = p.id
            WHERE p.site_id = s.id AND d.changes_with_time_on <= $1::date)`,
        [day],
      );
      const walks = await runDailyRescreens(day);
      if (idle.length === 0) continue;
      for (const { id } of idle)
        expect(walks.find((walk) => walk.siteId === id)).toEqual({
          siteId: id,
          totals: TRIAL_TEMPLATES.map(() => 0),
          walked: 0,
        });
      // And the sites with someone due walked them.
      expect(walks.filter((walk) => !idle.some((site) => site.id === walk.siteId))).toEqual(
        walks.filter((walk) => (walk.walked ?? 0) > 0),
      );
      return;
    }
    throw new Error('no day with nothing due at some site within 30 days');
  }, 60_000);
});
