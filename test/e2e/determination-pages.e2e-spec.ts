import { TRIAL_TEMPLATES } from '@registry/domain';
import {
  dataSourceOptions,
  DeterminationRepository,
  ScreeningRepository,
  TypeOrmTransactions,
} from '@registry/persistence';
import { FixedClock, SiteCalendar } from '@registry/platform';
import { DataSource } from 'typeorm';
import { ScreeningService } from '../../apps/worker/src/screening/screening.service';
import { createTestSystem, TestSystem } from '../support/harness';
import { cohortParticipantIds, writeTrialCohort } from '../support/synthetic-cohort';

const PARTICIPANTS = 400;

/**
 * Where screening's writes land in the determinations' heap (migration DeterminationRoomToUpdate): a criteria
 * change keeps most rewritten rows on their page, and the first screen of a new trial afterwards puts fewer
 * of its rows into holes of a row or two spread over every page of the table (each page so touched is
 * written whole to the WAL after a checkpoint). Through the worker's own screening service, on a synthetic
 * cohort screened for every trial but one.
 */
describe('determinations on their heap pages', () => {
  const clock = new FixedClock('2026-06-01T12:00:00Z');
  let system: TestSystem;
  let owner: DataSource;
  let app: DataSource;
  let screening: ScreeningService;
  let participantIds: string[];

  beforeAll(async () => {
    system = await createTestSystem();
    owner = await writeTrialCohort(system, 'determination-pages-seed', {
      participants: PARTICIPANTS,
      seed: 20260601,
      today: '2026-06-01',
      historyYears: 2,
    });
    // Only the test's own vacuum may free space between the steps.
    await owner.query(`ALTER TABLE eligibility_determination SET (autovacuum_enabled = off)`);
    app = new DataSource(dataSourceOptions(system.config, 'determination-pages-test'));
    await app.initialize();
    screening = new ScreeningService(
      new TypeOrmTransactions(app),
      new ScreeningRepository(),
      new DeterminationRepository(),
      new SiteCalendar(clock),
    );
    participantIds = await cohortParticipantIds(app);
  }, 60_000);

  afterAll(async () => {
    await app?.destroy();
    await owner?.destroy();
    await system?.shutdown();
  });

  /** The heap page (block number) of each participant's stored determination for the trial. */
  const pagesOf = async (trialId: string) =>
    new Map(
      (
        await app.query<{ participant_id: string; page: number }[]>(
          `SELECT participant_id, (ctid::text::point)[0]::int AS page FROM eligibility_determination WHERE trial_id = $1`,
          [trialId],
        )
      ).map((row) => [row.participant_id, row.page]),
    );

  const heapPages = async () => {
    const [{ pages }] = await owner.query<{ pages: number }[]>(
      `SELECT (pg_relation_size('eligibility_determination') / current_setting('block_size')::int)::int AS pages`,
    );
    return pages;
  };

  it('a criteria change keeps most rewritten rows on their page, and a new trial then puts few rows into old pages', async () => {
    // Chosen by template, not by (random) id: each trial's explanations have their own width, which decides
    // how many rows fit in a page and its reserve.
    const trialOf = async (key: string) => {
      const template = TRIAL_TEMPLATES.find((t) => t.key === key)!;
      const [{ id }] = await app.query<{ id: string }[]>(`SELECT id FROM trial WHERE title = $1`, [
        template.title,
      ]);
      return (await screening.recruitingTrials(undefined, [id]))[0];
    };
    const changed = await trialOf('a4');
    const added = await trialOf('trailblazer-alz-3');
    const others = (await screening.recruitingTrials()).filter(
      (t) => t.id !== changed.id && t.id !== added.id,
    );
    expect(others).toHaveLength(TRIAL_TEMPLATES.length - 2);

    // Every trial but one screened, each participant's rows written together, as a change of their data does.
    await screening.screen(participantIds, { trials: [changed, ...others] });
    const before = await pagesOf(changed.id);
    expect(before.size).toBe(PARTICIPANTS);

    // A criteria change of one trial: every one of its rows is stored again at the new version.
    await owner.query(
      `INSERT INTO trial_criteria_version (trial_id, version, document, created_by)
       SELECT trial_id, version + 1, document, created_by FROM trial_criteria_version
        WHERE trial_id = $1 AND version = $2`,
      [changed.id, changed.criteriaVersion],
    );
    await owner.query(`UPDATE trial SET criteria_version = $2 WHERE id = $1`, [
      changed.id,
      changed.criteriaVersion + 1,
    ]);
    const [rechanged] = await screening.recruitingTrials(undefined, [changed.id]);
    await screening.screen(participantIds, { trials: [rechanged] });
    const [{ atNewVersion }] = await app.query<{ atNewVersion: number }[]>(
      `SELECT count(*)::int AS "atNewVersion" FROM eligibility_determination WHERE trial_id = $1 AND criteria_version = $2`,
      [changed.id, rechanged.criteriaVersion],
    );
    expect(atNewVersion).toBe(PARTICIPANTS);
    const after = await pagesOf(changed.id);
    const keptTheirPage = [...before].filter(([participantId, page]) => after.get(participantId) === page);
    // Filled to the brim, 1 of 400 kept its page; with room to update, 352.
    expect(keptTheirPage.length).toBeGreaterThanOrEqual(PARTICIPANTS * 0.75);

    // The dead versions vacuumed away, as autovacuum would, then the new trial's first screen.
    await owner.query(`VACUUM eligibility_determination`);
    const oldPages = await heapPages();
    await screening.screen(participantIds, { trials: [added] });
    const addedPages = [...(await pagesOf(added.id)).values()];
    expect(addedPages).toHaveLength(PARTICIPANTS);
    // Pages left a row short by a moved version still take some: 81 of 400 here, against all 400 on pages
    // filled to the brim, where nearly every page had such a hole.
    const onOldPages = addedPages.filter((page) => page < oldPages).length;
    expect(onOldPages).toBeLessThanOrEqual(PARTICIPANTS * 0.4);
  }, 120_000);
});
