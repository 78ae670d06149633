import type { DataSource } from 'typeorm';
import { argument, describeMachine, openBenchCohort } from './support/bench-cohort';
import { FixedClock } from '@registry/platform';
import {
  CohortRunTiming,
  DailyRescreenTiming,
  startBenchWorker,
  startWorkerProcesses,
  timeCohortRun,
  timeDailyRescreen,
} from './support/bench-worker';
import { runFloor } from './support/sql-floor';

/**
 * Full re-screen throughput: every participant against the ten benchmark trials, through the real worker
 * (BullMQ job, batches, loading, evaluation, set-based writes), as the daily re-screen runs it.
 *
 *   npm run bench:rescreen -- --participants 100000
 *
 * Figures: a first screen (every determination and flag written), a full re-screen with nothing changed
 * (every participant read and judged, nothing written: what a criteria change of every trial costs), the
 * hand-written SQL floor over the same data, and then each site's daily re-screen, which judges only the
 * participants whose time-change day has come: today (nothing due after the runs above) and tomorrow (the
 * birthdays and expiring results of one day), and a criteria change of one trial (a new version: one trial
 * judged per participant, every determination of it rewritten), and the first screen of one new trial (that trial
 * with nothing stored: every determination of it written). The daily run for tomorrow runs on a worker whose
 * clock is set to tomorrow, after the floor is compared, since it judges some participants on a day that has
 * not come.
 *
 * `--rescreen-only` skips the first screen and keeps the stored determinations (those of an earlier run):
 * at 1,000,000 participants the first screen takes minutes. `--repeat N` times the re-screen N times.
 *
 * `--workers 1,2,4` measures scale-out instead: for each count, that many real worker processes (the built
 * worker, as deployed) share the full re-screen through its partitions, and its wall time is printed per
 * count, and then the SQL floor with the ratio to it per count. The run is split into `--partitions P`
 * (default 16) partitions of about equal size; without `--rescreen-only` a first screen (with the most
 * workers) comes first.
 *
 *   npm run bench:rescreen -- --participants 100000 --workers 1,2,4
 */
async function main(): Promise<void> {
  const participants = Number(argument('participants', '100000'));
  const cohort = await openBenchCohort(participants);
  const { dataSource, trialIds } = cohort;
  console.log(await describeMachine(dataSource));
  console.log(
    `cohort: ${cohort.participants} participants in ${cohort.databaseName}, ${trialIds.length} trials`,
  );
  const [{ latest }] = await dataSource.query<{ latest: number }[]>(
    `SELECT count(*)::int AS latest FROM participant_latest_assessment`,
  );
  console.log(`latest-assessment rows: ${latest}`);

  const rescreenOnly = process.argv.includes('--rescreen-only');
  const repeat = Number(argument('repeat', '1'));
  if (!rescreenOnly) await forgetDeterminations(dataSource, trialIds);
  if (process.argv.includes('--workers')) {
    try {
      await scaleOut(cohort, { rescreenOnly, repeat });
    } finally {
      await dataSource.destroy();
    }
    return;
  }

  const worker = await startBenchWorker(cohort.config);
  let workerClosed = false;
  try {
    const report = (label: string, run: CohortRunTiming) =>
      console.log(
        `${label.padEnd(34)} ${run.seconds.toFixed(2).padStart(7)} s  ` +
          `${Math.round(cohort.participants / run.seconds)
            .toLocaleString('en')
            .padStart(9)} participants/s  ` +
          `${Math.round(run.evaluations / run.seconds)
            .toLocaleString('en')
            .padStart(10)} evaluations/s  ` +
          `${(run.walBytes / 2 ** 20).toFixed(0).padStart(6)} MiB WAL (${run.walFullPages.toLocaleString('en')} full pages)  ` +
          `CPU: worker ${run.workerCpuSeconds.toFixed(1)} s, postgres ${run.postgresCpuSeconds.toFixed(1)} s`,
      );
    let first: CohortRunTiming | undefined;
    if (!rescreenOnly) {
      first = await timeCohortRun(dataSource, worker, trialIds);
      report('first screen (all written)', first);
    }
    const [{ determinations, flags }] = await dataSource.query<{ determinations: number; flags: number }[]>(
      `SELECT (SELECT count(*)::int FROM eligibility_determination WHERE trial_id = ANY($1::uuid[])) AS determinations,
              (SELECT count(*)::int FROM eligibility_flag WHERE trial_id = ANY($1::uuid[]) AND closed_at IS NULL) AS flags`,
      [trialIds],
    );
    console.log(`  determinations: ${determinations}, open flags: ${flags}`);
    await settle(dataSource);
    let steady: CohortRunTiming | undefined;
    for (let pass = 0; pass < repeat; pass++) {
      const run = await timeCohortRun(dataSource, worker, trialIds);
      report('full re-screen, nothing changed', run);
      if (!steady || run.seconds < steady.seconds) steady = run;
    }

    const floor = await runFloor(dataSource);
    console.log(
      `${'SQL floor (one hand-written query)'.padEnd(34)} ${floor.seconds.toFixed(2).padStart(7)} s`,
    );
    console.log(
      `ratio to floor: ${first ? `first screen ${(first.seconds / floor.seconds).toFixed(1)}x, ` : ''}` +
        `re-screen ${(steady!.seconds / floor.seconds).toFixed(1)}x`,
    );
    const engine = await dataSource.query<{ trial_id: string; eligible: number }[]>(
      `SELECT trial_id, count(*) FILTER (WHERE result = 'eligible')::int AS eligible
         FROM eligibility_determination WHERE trial_id = ANY($1::uuid[]) GROUP BY trial_id`,
      [trialIds],
    );
    const engineEligible = trialIds.map((id) => engine.find((row) => row.trial_id === id)?.eligible ?? 0);
    const agree = engineEligible.every((count, index) => count === floor.eligible[index]);
    console.log(`eligible per trial, engine: ${engineEligible.join(' ')}`);
    console.log(`eligible per trial, floor:  ${floor.eligible.join(' ')}  (${agree ? 'agree' : 'DISAGREE'})`);
    if (!agree) process.exitCode = 1;

    // A criteria change of one trial: a new version (the same document, so the counts can be checked) walks
    // the cohort for that trial alone, and every one of its determinations is rewritten at the new version.
    const changed = await newCriteriaVersion(dataSource, trialIds[0]);
    const criteriaChange = await timeCohortRun(dataSource, worker, [trialIds[0]]);
    report('criteria change of one trial', criteriaChange);
    const [{ atNewVersion, eligibleNow }] = await dataSource.query<
      { atNewVersion: number; eligibleNow: number }[]
    >(
      `SELECT count(*)::int AS "atNewVersion", count(*) FILTER (WHERE result = 'eligible')::int AS "eligibleNow"
         FROM eligibility_determination WHERE trial_id = $1 AND criteria_version = $2`,
      [trialIds[0], changed.version],
    );
    const sameEligible = eligibleNow === floor.eligible[0];
    console.log(
      `  ${criteriaChange.evaluations} evaluations (one trial); ${atNewVersion} determinations at version ${changed.version}; ` +
        `eligible ${eligibleNow} vs floor ${floor.eligible[0]} (${sameEligible ? 'agree' : 'DISAGREE'})`,
    );
    if (!sameEligible) process.exitCode = 1;

    // The first screen of a new trial: a copy of the first trial (its criteria and sites, so the counts can
    // be checked), created now with nothing stored for it. Every participant's determination (and every flag
    // and first history row) is written for one trial, into a table whose rows keep their pages.
    // Vacuumed first, as after the full re-screen's settle: otherwise the first reads of the pages the criteria
    // change rewrote would prune them inside the timing, as the deletion's VACUUM did before it in the old measure.
    await settle(dataSource);
    const copyId = await copyTrial(dataSource, trialIds[0]);
    try {
      const newTrial = await timeCohortRun(dataSource, worker, [copyId]);
      report('first screen of one new trial', newTrial);
      const newAgrees = await reportWritten(dataSource, copyId, newTrial, floor.eligible[0]);
      if (!newAgrees) process.exitCode = 1;
    } finally {
      await removeTrial(dataSource, copyId);
    }

    // The same trial screened again after its determinations were deleted and vacuumed away, as the
    // figures before 2026-12-03 (afternoon) measured the first screen of a new trial. The delete leaves a
    // row's room in nearly every page of the table, which the inserts then fill a few rows a page. (It now
    // runs after the copy's removal, whose freed pages it finds too.)
    await forgetDeterminations(dataSource, [trialIds[0]]);
    const refilled = await timeCohortRun(dataSource, worker, [trialIds[0]]);
    report('one trial again after its deletion', refilled);
    const refilledAgrees = await reportWritten(dataSource, trialIds[0], refilled, floor.eligible[0]);
    if (!refilledAgrees) process.exitCode = 1;

    const reportDaily = (label: string, run: DailyRescreenTiming) =>
      console.log(
        `${label.padEnd(34)} ${run.seconds.toFixed(2).padStart(7)} s  ` +
          `${run.walked.toLocaleString('en').padStart(9)} participants walked  ` +
          `${(run.walBytes / 2 ** 20).toFixed(0).padStart(6)} MiB WAL (${run.walFullPages.toLocaleString('en')} full pages)  ` +
          `CPU: worker ${run.workerCpuSeconds.toFixed(1)} s, postgres ${run.postgresCpuSeconds.toFixed(1)} s`,
      );
    // Each site's day at this instant, then 24 hours later on a worker whose clock stands there.
    const now = new Date();
    reportDaily('daily re-screen, today', await timeDailyRescreen(dataSource, trialIds, now));
    await worker.close();
    workerClosed = true;
    const tomorrow = new Date(now.getTime() + 86_400_000);
    const tomorrowWorker = await startBenchWorker(cohort.config, new FixedClock(tomorrow));
    try {
      reportDaily('daily re-screen, tomorrow', await timeDailyRescreen(dataSource, trialIds, tomorrow));
    } finally {
      await tomorrowWorker.close();
    }
    console.log(`peak RSS of this process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  } finally {
    if (!workerClosed) await worker.close();
    await dataSource.destroy();
  }
}

/**
 * The full re-screen with 1, 2, ... worker processes (`--workers`), each count on workers of its own started
 * for it, the run split into `--partitions` partitions: the wall time per count, and its speed-up over the
 * first count.
 */
async function scaleOut(
  cohort: Awaited<ReturnType<typeof openBenchCohort>>,
  options: { rescreenOnly: boolean; repeat: number },
): Promise<void> {
  const { dataSource, trialIds } = cohort;
  const counts = argument('workers', '1,2,4')
    .split(',')
    .map(Number)
    .filter((count) => Number.isInteger(count) && count > 0);
  if (counts.length === 0) throw new Error('--workers takes worker counts, such as 1,2,4');
  const partitions = Number(argument('partitions', '16'));
  // Partitions of the cohort as walked: every site's participants (each benchmark trial recruits at all).
  const env = {
    SCREENING_PARTITIONS: String(partitions),
    SCREENING_PARTITION_SIZE: String(Math.max(1, Math.ceil(cohort.participants / partitions))),
  };
  console.log(
    `scale-out: ${counts.join(', ')} worker processes; runs split into up to ${partitions} partitions`,
  );
  const timeWith = async (count: number) => {
    const workers = await startWorkerProcesses(cohort.config, count, env);
    try {
      return await timeCohortRun(dataSource, workers, trialIds);
    } finally {
      await workers.close();
    }
  };
  const report = (label: string, seconds: number, workerCpu: number, postgresCpu: number, split: number) =>
    console.log(
      `${label.padEnd(34)} ${seconds.toFixed(2).padStart(7)} s  ` +
        `${Math.round(cohort.participants / seconds)
          .toLocaleString('en')
          .padStart(9)} participants/s  ${String(split).padStart(2)} partitions  ` +
        `CPU: workers ${workerCpu.toFixed(1)} s, postgres ${postgresCpu.toFixed(1)} s`,
    );
  const partitionsOfLastRun = async () => {
    const [{ split }] = await dataSource.query<{ split: number }[]>(
      `SELECT count(*)::int AS split FROM screening_partition
        WHERE run_id = (SELECT run_id FROM screening_partition ORDER BY created_at DESC LIMIT 1)`,
    );
    return split;
  };
  if (!options.rescreenOnly) {
    const most = Math.max(...counts);
    const first = await timeWith(most);
    report(
      `first screen, ${most} workers`,
      first.seconds,
      first.workerCpuSeconds,
      first.postgresCpuSeconds,
      await partitionsOfLastRun(),
    );
  }
  await settle(dataSource);
  const best = new Map<number, number>();
  for (const count of counts) {
    for (let pass = 0; pass < options.repeat; pass++) {
      const run = await timeWith(count);
      report(
        `full re-screen, ${count} worker${count === 1 ? '' : 's'}`,
        run.seconds,
        run.workerCpuSeconds,
        run.postgresCpuSeconds,
        await partitionsOfLastRun(),
      );
      best.set(count, Math.min(best.get(count) ?? Infinity, run.seconds));
    }
  }
  const base = best.get(counts[0])!;
  console.log(
    `wall time per worker count (best of ${options.repeat}): ` +
      counts
        .map(
          (count) => `${count}: ${best.get(count)!.toFixed(2)} s (${(base / best.get(count)!).toFixed(2)}x)`,
        )
        .join(', '),
  );
  // The floor of this same run, on this same data and machine: the ratio is the figure that counts.
  const floor = await runFloor(dataSource);
  console.log(`${'SQL floor (one hand-written query)'.padEnd(34)} ${floor.seconds.toFixed(2).padStart(7)} s`);
  console.log(
    `ratio to floor per worker count: ` +
      counts.map((count) => `${count}: ${(best.get(count)! / floor.seconds).toFixed(2)}x`).join(', '),
  );
}

/**
 * What autovacuum does on a running system after this many written rows, done now so that the re-screen
 * is measured as it runs there: the statistics make its plans those of a full table rather than an empty
 * one, and the vacuum marks the heap pages of unchanged rows all visible, which lets the re-screen read the
 * determinations from the primary key alone and the open flags from their index (the machine's autovacuum
 * is off).
 */
async function settle(dataSource: DataSource): Promise<void> {
  await dataSource.query(`VACUUM ANALYZE eligibility_determination`);
  await dataSource.query(`VACUUM ANALYZE eligibility_flag`);
}

/**
 * Gives a trial a new criteria version with the same document, as a sponsor's edit that the screening must
 * apply to everyone (the determinations name the version they were judged at).
 */
async function newCriteriaVersion(dataSource: DataSource, trialId: string): Promise<{ version: number }> {
  return dataSource.transaction(async (manager) => {
    const [{ version }] = await manager.query<{ version: number }[]>(
      `INSERT INTO trial_criteria_version (trial_id, version, document, created_by)
       SELECT v.trial_id, v.version + 1, v.document, v.created_by
         FROM trial_criteria_version v JOIN trial t ON t.id = v.trial_id AND t.criteria_version = v.version
        WHERE t.id = $1
       RETURNING version`,
      [trialId],
    );
    await manager.query(`UPDATE trial SET criteria_version = $2 WHERE id = $1`, [trialId, version]);
    return { version };
  });
}

/** Prints what the run wrote for the trial; true when its eligible count agrees with the floor's. */
async function reportWritten(
  dataSource: DataSource,
  trialId: string,
  run: CohortRunTiming,
  floorEligible: number,
): Promise<boolean> {
  const [{ written, eligible }] = await dataSource.query<{ written: number; eligible: number }[]>(
    `SELECT count(*)::int AS written, count(*) FILTER (WHERE result = 'eligible')::int AS eligible
       FROM eligibility_determination WHERE trial_id = $1`,
    [trialId],
  );
  const agrees = eligible === floorEligible;
  console.log(
    `  ${run.evaluations} evaluations; ${written} determinations written; ` +
      `eligible ${eligible} vs floor ${floorEligible} (${agrees ? 'agree' : 'DISAGREE'})`,
  );
  return agrees;
}

/** Marks the benchmark's copies of a trial, so that one left by an interrupted run is removed by the next. */
const COPY_TITLE_SUFFIX = ' (benchmark copy)';

/**
 * A new recruiting trial with the criteria (at its current version) and sites of `trialId`, as a sponsor
 * would open one; any copy an interrupted run left is removed first. Returns the copy's id.
 */
async function copyTrial(dataSource: DataSource, trialId: string): Promise<string> {
  const leftovers = await dataSource.query<{ id: string }[]>(`SELECT id FROM trial WHERE title LIKE $1`, [
    `%${COPY_TITLE_SUFFIX}`,
  ]);
  for (const { id } of leftovers) await removeTrial(dataSource, id);
  return dataSource.transaction(async (manager) => {
    const [{ id }] = await manager.query<{ id: string }[]>(
      `INSERT INTO trial
       SELECT copy.*
         FROM trial t
        CROSS JOIN LATERAL jsonb_populate_record(NULL::trial, to_jsonb(t) || jsonb_build_object(
                 'id', gen_random_uuid(), 'title', t.title || $2::text, 'criteria_version', 1,
                 'created_at', now(), 'updated_at', now())) copy
        WHERE t.id = $1
       RETURNING id`,
      [trialId, COPY_TITLE_SUFFIX],
    );
    await manager.query(
      `INSERT INTO trial_criteria_version (trial_id, version, document, created_by)
       SELECT $2, 1, v.document, v.created_by
         FROM trial_criteria_version v JOIN trial t ON t.id = v.trial_id AND t.criteria_version = v.version
        WHERE t.id = $1`,
      [trialId, id],
    );
    await manager.query(
      `INSERT INTO trial_site (trial_id, site_id) SELECT $2, site_id FROM trial_site WHERE trial_id = $1`,
      [trialId, id],
    );
    return id;
  });
}

/** Removes a benchmark copy of a trial with everything screening stored for it. */
async function removeTrial(dataSource: DataSource, trialId: string): Promise<void> {
  await forgetDeterminations(dataSource, [trialId]);
  await dataSource.transaction(async (manager) => {
    await manager.query(
      `DELETE FROM screening_partition WHERE run_id IN (SELECT id FROM screening_run WHERE trial_id = $1)`,
      [trialId],
    );
    for (const table of ['screening_run', 'webhook_report', 'trial_site', 'trial_criteria_version'])
      await manager.query(`DELETE FROM ${table} WHERE trial_id = $1`, [trialId]);
    await manager.query(`DELETE FROM trial WHERE id = $1`, [trialId]);
  });
}

/** Starts from nothing screened for these trials, so the first pass writes every determination. */
async function forgetDeterminations(dataSource: DataSource, trialIds: string[]): Promise<void> {
  await dataSource.query(`DELETE FROM eligibility_flag WHERE trial_id = ANY($1::uuid[])`, [trialIds]);
  await dataSource.query(`DELETE FROM eligibility_determination_history WHERE trial_id = ANY($1::uuid[])`, [
    trialIds,
  ]);
  await dataSource.query(`DELETE FROM eligibility_determination WHERE trial_id = ANY($1::uuid[])`, [
    trialIds,
  ]);
  await dataSource.query(`VACUUM ANALYZE eligibility_determination`);
  // History is only ever deleted here; unvacuumed, its index would grow with every run of the benchmark.
  await dataSource.query(`VACUUM ANALYZE eligibility_determination_history`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
