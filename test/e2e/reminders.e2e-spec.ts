import {
  CalendarDate,
  expiringResults,
  FOLLOWED_STATUSES,
  isMissedOn,
  noReminderReason,
  NotificationKind,
  ParticipantProfile,
  retestHeldBackByDecline,
  TRIAL_TEMPLATES,
  visitRemindersDue,
} from '@registry/domain';
import {
  dataSourceOptions,
  DeterminationRepository,
  loadProfiles,
  migrationDataSourceOptions,
  ReminderRepository,
  ScreeningRepository,
  Transactions,
  Tx,
  TypeOrmTransactions,
} from '@registry/persistence';
import { FixedClock, SiteCalendar } from '@registry/platform';
import { DataSource } from 'typeorm';
import { ensureDemoIdentity, ensureDemoTrials } from '../../apps/api/src/cli/demo-data';
import { writeSyntheticCohort } from '../../apps/api/src/cli/seed-writer';
import { RemindersService } from '../../apps/worker/src/reminders/reminders.service';
import { ScreeningService } from '../../apps/worker/src/screening/screening.service';
import { createTestSystem, TestSystem } from '../support/harness';

/**
 * The daily reminder job against the real database, on a synthetic cohort at four sites (the Boston site moved
 * to America/Los_Angeles for the test, so that Tokyo and Los Angeles are both walked), ticking every three
 * hours through 75 days that cross the end of daylight saving time in Los Angeles (1 Nov 2026).
 *
 * Every site day is first run by a worker "killed" part-way (its transactions fail from the n-th on, n
 * varying), and then by two workers at once. In the end, each visit and each result has exactly the reminders
 * the domain's rules give for the days walked, each stored once on the first local day it was due, and each
 * missed visit was marked once, on the day after its window closed.
 */
const FIRST_DAY = '2026-10-10';
const DAYS = 75;
const PARTICIPANTS = 80;
/** The end of the declined referrals' hold on flags and re-test reminders (see beforeAll). */
const DECLINE_HOLD_ENDS = '2026-11-09';

/** A worker killed after `survive` transactions: every later one throws, as a dead process commits nothing. */
class KilledAfter extends Transactions {
  private committed = 0;
  constructor(
    private readonly inner: Transactions,
    private readonly survive: number,
  ) {
    super();
  }
  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    if (this.committed++ >= this.survive) return Promise.reject(new Error('worker killed'));
    return this.inner.run(work);
  }
  read<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.inner.read(work);
  }
}

describe('daily reminders: each on the right local day, exactly once, however the runs go', () => {
  const clock = new FixedClock(`${FIRST_DAY}T00:00:00Z`);
  let system: TestSystem;
  let owner: DataSource;
  let app: DataSource;
  let transactions: TypeOrmTransactions;
  const service = (tx: Transactions) =>
    new RemindersService(
      tx,
      new ReminderRepository(),
      new ScreeningRepository(),
      system.config,
      clock,
      new SiteCalendar(clock),
    );
  const interruptions: { siteId: string; day: string; storedBefore: number; storedAfter: number }[] = [];

  beforeAll(async () => {
    system = await createTestSystem();
    owner = new DataSource(
      migrationDataSourceOptions(
        { ...system.config, MIGRATION_DATABASE_URL: system.database.ownerUrl },
        'reminders-seed',
      ),
    );
    await owner.initialize();
    const { siteIds, sponsorId, ownerId } = await ensureDemoIdentity(owner, {
      password: 'reminders-test-password',
      resetExistingPasswords: false,
    });
    await owner.query(`UPDATE site SET time_zone = 'America/Los_Angeles' WHERE code = 'BOS'`);
    await writeSyntheticCohort(owner, {
      participants: PARTICIPANTS,
      seed: 20261010,
      siteIds,
      today: FIRST_DAY,
      historyYears: 2,
      fingerprintKey: system.config.IDENTITY_FINGERPRINT_KEY,
    });
    await ensureDemoTrials(owner, siteIds, sponsorId, ownerId, TRIAL_TEMPLATES, { startScreening: false });
    // Half the cohort's visits of the coming months are pushed forward, so windows open during the walk.
    await owner.query(
      `UPDATE scheduled_visit SET target_date = target_date + 120, window_start = window_start + 120, window_end = window_end + 120
        WHERE window_start > $1::date AND hashtext(id::text) % 2 = 0`,
      [FIRST_DAY],
    );

    app = new DataSource(dataSourceOptions(system.config, 'reminders-test'));
    await app.initialize();
    transactions = new TypeOrmTransactions(app);
    const screening = new ScreeningService(
      transactions,
      new ScreeningRepository(),
      new DeterminationRepository(),
      new SiteCalendar(clock),
    );
    clock.set(`${FIRST_DAY}T12:00:00Z`);
    const ids = (await app.query<{ id: string }[]>(`SELECT id FROM participant ORDER BY id`)).map(
      (r) => r.id,
    );
    await screening.screen(ids);
    // A third of those ready for a trial declined a referral to it, with a hold that ends mid-walk: their
    // re-test reminders for that trial wait for it (the expectations below skip the held days).
    await owner.query(
      `WITH picked AS (
         SELECT d.participant_id, d.trial_id, p.site_id FROM eligibility_determination d
           JOIN participant p ON p.id = d.participant_id
          WHERE (d.result = 'eligible' OR d.one_test_away IS NOT NULL)
            AND abs(hashtext(d.participant_id || d.trial_id::text)) % 3 = 0),
       requests AS (
         INSERT INTO referral_request (trial_id, site_id, requested_count, due_on, requested_by, closed_at, close_reason)
         SELECT DISTINCT trial_id, site_id, 10, $1::date, $2::uuid, now(), 'test: closed' FROM picked
         RETURNING id, trial_id, site_id)
       INSERT INTO referral_contact (request_id, trial_id, participant_id, state, created_by, flags_suppressed_until, closed_at, close_reason)
       SELECT r.id, k.trial_id, k.participant_id, 'declined', $2::uuid, $1::date, now(), 'declined'
         FROM picked k JOIN requests r ON r.trial_id = k.trial_id AND r.site_id = k.site_id`,
      [DECLINE_HOLD_ENDS, ownerId],
    );
  }, 120_000);

  afterAll(async () => {
    await app?.destroy();
    await owner?.destroy();
    await system?.shutdown();
  });

  it(`walks ${DAYS} days, every run killed part-way and then run twice at once`, async () => {
    const start = Date.parse(`${FIRST_DAY}T00:00:00Z`);
    let survive = 0;
    let kills = 0;
    for (let t = start; t < start + DAYS * 86_400_000; t += 3 * 3_600_000) {
      clock.set(new Date(t));
      for (const key of await service(transactions).dueSiteDays()) {
        const stored = async () =>
          (
            await app.query<{ n: number }[]>(
              `SELECT count(*)::int AS n FROM reminder WHERE site_id = $1 AND sent_on = $2`,
              [key.siteId, key.forDate],
            )
          )[0].n;
        const storedBefore = await stored();
        survive = (survive + 3) % 7;
        const killed = await service(new KilledAfter(transactions, survive))
          .runSiteDay(key)
          .then(
            () => false,
            (error: Error) => {
              expect(error.message).toBe('worker killed');
              return true;
            },
          );
        const [open] = await app.query<{ completed: boolean }[]>(
          `SELECT completed_at IS NOT NULL AS completed FROM site_reminder_day WHERE site_id = $1 AND for_date = $2`,
          [key.siteId, key.forDate],
        );
        // Killed before its end, the day stays open for the next run; a run that had less to do finished.
        expect(open.completed).toBe(!killed);
        if (killed) kills++;
        const afterKill = await stored();
        // Two workers pick the day up again at once.
        const [a, b] = await Promise.all([
          service(transactions).runSiteDay(key),
          service(transactions).runSiteDay(key),
        ]);
        const total = await stored();
        interruptions.push({
          siteId: key.siteId,
          day: key.forDate,
          storedBefore: afterKill,
          storedAfter: total,
        });
        expect(storedBefore).toBe(0);
        // Between them, the two created exactly what the killed run had not, none twice.
        expect(a.created + b.created).toBe(total - afterKill);
        if (!killed) expect([a.status, b.status]).toEqual(['already_complete', 'already_complete']);
        // A third run finds the day complete.
        expect((await service(transactions).runSiteDay(key)).status).toBe('already_complete');
      }
    }
    // Every site ran every day (Tokyo's day begins before UTC's: it also ran the day after the last).
    const days = await app.query<{ code: string; days: number; complete: number }[]>(
      `SELECT s.code, count(*)::int AS days, count(d.completed_at)::int AS complete
         FROM site_reminder_day d JOIN site s ON s.id = d.site_id GROUP BY s.code ORDER BY s.code`,
    );
    for (const site of days) {
      expect(site.days).toBeGreaterThanOrEqual(DAYS);
      expect(site.complete).toBe(site.days);
    }
    // Some killed runs had stored part of their day, which the later runs completed without repeating.
    expect(kills).toBeGreaterThan(DAYS);
    expect(interruptions.some((i) => i.storedBefore > 0 && i.storedAfter > i.storedBefore)).toBe(true);
  }, 600_000);

  it('stored each visit reminder once, on the first local day the rules made it due, and marked each missed visit on the day after its window', async () => {
    const siteDays = await app.query<{ site_id: string; for_date: string }[]>(
      `SELECT site_id, for_date::text FROM site_reminder_day ORDER BY for_date`,
    );
    const daysOf = new Map<string, CalendarDate[]>();
    for (const row of siteDays) daysOf.set(row.site_id, [...(daysOf.get(row.site_id) ?? []), row.for_date]);
    const visits = await app.query<
      {
        id: string;
        participant_id: string;
        site_id: string;
        code: string;
        window_start: string;
        window_end: string;
        cancelled: boolean;
        completed: boolean;
        status: string;
        missed_on: string | null;
      }[]
    >(
      `SELECT sv.id, sv.participant_id, p.site_id, sv.code, sv.window_start::text, sv.window_end::text,
              sv.cancelled_at IS NOT NULL AS cancelled, sv.status, sv.missed_on::text,
              EXISTS (SELECT 1 FROM visit v WHERE v.scheduled_visit_id = sv.id) AS completed
         FROM scheduled_visit sv JOIN participant p ON p.id = sv.participant_id`,
    );
    const profiles = await transactions.read((tx) =>
      loadProfiles(tx, [...new Set(visits.map((v) => v.participant_id))], FIRST_DAY),
    );
    const stored = await app.query<
      { subject_key: string; kind: string; about_day: string; sent_on: string }[]
    >(
      `SELECT subject_key, kind, about_day::text, sent_on::text FROM reminder WHERE subject_key LIKE 'visit:%'`,
    );
    const storedKeys = stored.map((r) => `${r.subject_key}/${r.kind}/${r.about_day}@${r.sent_on}`).sort();

    const expected: string[] = [];
    const missedExpected: Record<string, string | null> = {};
    for (const visit of visits) {
      const profile = profiles.get(visit.participant_id)!.profile;
      const followed = FOLLOWED_STATUSES.includes(profile.status);
      const mayRemind = noReminderReason(profile, 'follow_up_visit') === null;
      const seen = new Set<string>();
      let missedOn: string | null = null;
      for (const day of daysOf.get(visit.site_id)!) {
        if (!followed || missedOn !== null) break;
        const state = {
          windowStart: visit.window_start,
          windowEnd: visit.window_end,
          completed: visit.completed,
          cancelled: visit.cancelled,
          missed: false,
        };
        if (mayRemind)
          for (const due of visitRemindersDue(state, day)) {
            const key = `visit:${visit.id}/${due.kind}/${due.aboutDay}`;
            if (seen.has(key)) continue;
            seen.add(key);
            expected.push(`${key}@${day}`);
          }
        if (isMissedOn(state, day)) missedOn = day;
      }
      missedExpected[visit.id] = missedOn;
    }
    expect(storedKeys).toEqual(expected.sort());
    const missedStored = Object.fromEntries(visits.map((v) => [v.id, v.missed_on]));
    expect(missedStored).toEqual(missedExpected);

    // Every kind happened, and the missed visits were counted per site, each once.
    const kinds = new Set(stored.map((r) => r.kind));
    for (const kind of [
      NotificationKind.VisitWindowOpensSoon,
      NotificationKind.VisitWindowOpen,
      NotificationKind.VisitWindowClosesSoon,
      NotificationKind.VisitMissed,
    ])
      expect(kinds).toContain(kind);
    const [counts] = await app.query<{ counted: number; marked: number }[]>(
      `SELECT (SELECT sum(visits_missed)::int FROM site_reminder_day) AS counted,
              (SELECT count(*)::int FROM scheduled_visit WHERE status = 'missed') AS marked`,
    );
    expect(counts.counted).toBe(counts.marked);
    expect(counts.marked).toBeGreaterThan(0);
    const [audited] = await app.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM audit_event WHERE action = 'scheduled_visit.missed'`,
    );
    expect(audited.n).toBe(counts.marked);
  });

  it('stored each "re-test" reminder once, on the first day the result was within 30 days of leaving the window', async () => {
    const ready = await app.query<{ participant_id: string; trial_id: string; site_id: string }[]>(
      `SELECT d.participant_id, d.trial_id, p.site_id FROM eligibility_determination d
         JOIN participant p ON p.id = d.participant_id
        WHERE d.result = 'eligible' OR d.one_test_away IS NOT NULL`,
    );
    const criteria = new Map(
      (
        await app.query<{ id: string; document: { criteria: never } }[]>(
          `SELECT t.id, v.document FROM trial t JOIN trial_criteria_version v ON v.trial_id = t.id AND v.version = t.criteria_version`,
        )
      ).map((row) => [row.id, row.document.criteria]),
    );
    const siteDays = await app.query<{ site_id: string; for_date: string }[]>(
      `SELECT site_id, for_date::text FROM site_reminder_day ORDER BY for_date`,
    );
    const profileCache = new Map<string, ParticipantProfile>();
    const profileOn = async (id: string, day: string) => {
      const key = `${id}@${day}`;
      if (!profileCache.has(key))
        profileCache.set(
          key,
          (await transactions.read((tx) => loadProfiles(tx, [id], day))).get(id)!.profile,
        );
      return profileCache.get(key)!;
    };
    const held = new Map(
      (
        await app.query<{ participant_id: string; trial_id: string; until: string }[]>(
          `SELECT participant_id, trial_id, max(flags_suppressed_until)::text AS until FROM referral_contact
            WHERE state = 'declined' GROUP BY participant_id, trial_id`,
        )
      ).map((row) => [`${row.participant_id}|${row.trial_id}`, row.until]),
    );
    expect(held.size).toBeGreaterThan(0);
    const expected = new Set<string>();
    for (const { participant_id, trial_id, site_id } of ready) {
      for (const { for_date: day } of siteDays.filter((d) => d.site_id === site_id)) {
        if (retestHeldBackByDecline(held.get(`${participant_id}|${trial_id}`) ?? null, day)) continue;
        // Nothing is recorded during the walk: the profile changes with the day only.
        const profile = await profileOn(participant_id, FIRST_DAY);
        for (const result of expiringResults(criteria.get(trial_id)!, profile, day)) {
          if (noReminderReason(profile, 'retest_for_trial', result.test) !== null) continue;
          const key = `result:${participant_id}:${trial_id}:${result.test}:${result.resultDate}/${result.expiresOn}`;
          if (![...expected].some((e) => e.startsWith(`${key}@`))) expected.add(`${key}@${day}`);
        }
      }
    }
    const stored = await app.query<{ key: string }[]>(
      `SELECT subject_key || '/' || about_day::text || '@' || sent_on::text AS key FROM reminder WHERE kind = 'result_expiring'`,
    );
    expect(stored.map((r) => r.key).sort()).toEqual([...expected].sort());
    expect(stored.length).toBeGreaterThan(0);
  }, 120_000);

  it("gave each reminder one notification per coordinator of the site, in the coordinator's language, naming registry ids only", async () => {
    const [row] = await app.query<{ reminders: number; expected: number; notifications: number }[]>(
      `SELECT (SELECT count(*)::int FROM reminder) AS reminders,
              (SELECT sum((SELECT count(*) FROM user_site us JOIN app_user u ON u.id = us.user_id
                            WHERE us.site_id = r.site_id AND u.role = 'coordinator' AND u.active))::int FROM reminder r) AS expected,
              (SELECT count(*)::int FROM notification) AS notifications`,
    );
    expect(row.notifications).toBe(row.expected);
    expect(row.notifications).toBeGreaterThan(0);
    const languages = await app.query<{ code: string; language: string }[]>(
      `SELECT DISTINCT s.code, n.language FROM notification n JOIN site s ON s.id = n.site_id ORDER BY s.code`,
    );
    expect(languages).toEqual([
      { code: 'BOS', language: 'en' },
      { code: 'TKY', language: 'ja' },
    ]);
    const leaks = await app.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM notification n JOIN participant p ON p.id = n.participant_id
        WHERE position(p.birth_date::text IN n.body) > 0 OR position(p.birth_date::text IN n.subject) > 0`,
    );
    expect(leaks[0].n).toBe(0);
  });

  it('turns each open flag into one notification per coordinator, however often it is asked', async () => {
    // On the day the newest flag was raised (the walk's clock stands weeks later, when they are no news).
    const [{ raised }] = await app.query<{ raised: Date }[]>(
      `SELECT max(raised_at) AS raised FROM eligibility_flag WHERE closed_at IS NULL AND acknowledged_at IS NULL`,
    );
    clock.set(raised);
    const first = await service(transactions).notifyNewFlags();
    const again = await service(transactions).notifyNewFlags();
    expect(again.notified).toBe(0);
    const [row] = await app.query<{ flags: number; reminders: number }[]>(
      `SELECT (SELECT count(*)::int FROM eligibility_flag WHERE closed_at IS NULL AND acknowledged_at IS NULL) AS flags,
              (SELECT count(*)::int FROM reminder WHERE subject_key LIKE 'flag:%') AS reminders`,
    );
    expect(row.reminders).toBe(row.flags);
    expect(row.flags).toBeGreaterThan(0);
    expect(first.notified).toBeGreaterThan(0);
  });
});
