import { EventTopic } from '@registry/jobs';
import type { CalendarDate } from '@registry/domain';
import type { EntityManager } from 'typeorm';
import { publishEvent } from '../outbox/publish-event';

export interface TrialToScreen {
  id: string;
  criteriaVersion: number;
}

/** A site's re-screen of one day: its runs screen that site's participants only, all in one job. */
export interface DailyRescreenScope {
  dailyRescreenId: string;
  siteId: string;
  /** The re-screen's day: those whose time-change day has come by it are due. */
  forDate: CalendarDate;
}

/**
 * The one place screening runs are created: a run per trial (its criteria version, its cohort size as total)
 * and the event that starts them, in the caller's transaction, so a run never exists without the job that
 * walks it. A trial's run covers every site taking part in it, one job per run; a site's daily re-screen
 * covers that site only, and its runs are walked together by one job. Returns the run ids.
 *
 * A daily re-screen walks only the site's participants with a determination for one of its trials whose
 * time-change day has come on the re-screen's day (see `CohortSlice.due`): each of its runs counts those as
 * its total, through the `changes_with_time_on` index.
 */
export async function startScreeningRuns(
  manager: EntityManager,
  trials: readonly TrialToScreen[],
  cause: string,
  dailyRescreen?: DailyRescreenScope,
): Promise<string[]> {
  if (trials.length === 0) return [];
  const runs = await manager.query<{ id: string }[]>(
    // The day is a parameter, not read from daily_rescreen in the statement: the planner then sees it and
    // counts the few due through the time-change index. Read by a subquery, its selectivity was a guess, and
    // the count of nobody due took 1.4-3.5 s a site at 1,000,000 (a walk of the site's participants). The
    // due participants are the same for every trial's run, so they are counted once.
    `WITH due AS (
       SELECT count(*) AS n FROM participant p
        WHERE $5::uuid IS NOT NULL AND p.site_id = $4::uuid
          AND p.id IN (SELECT d.participant_id FROM eligibility_determination d
                        WHERE d.trial_id = ANY($1::uuid[]) AND d.changes_with_time_on <= $6::date))
     INSERT INTO screening_run (trial_id, criteria_version, cause, total, site_id, daily_rescreen_id)
     SELECT t.id, t.version, $3,
            CASE WHEN $5::uuid IS NULL
                 THEN (SELECT count(*) FROM participant p
                        WHERE CASE WHEN $4::uuid IS NULL
                                   THEN p.site_id IN (SELECT ts.site_id FROM trial_site ts WHERE ts.trial_id = t.id)
                                   ELSE p.site_id = $4::uuid END)
                 ELSE (SELECT n FROM due)
            END,
            $4::uuid, $5::uuid
       FROM unnest($1::uuid[], $2::int[]) AS t(id, version)
     RETURNING id`,
    [
      trials.map((trial) => trial.id),
      trials.map((trial) => trial.criteriaVersion),
      cause,
      dailyRescreen?.siteId ?? null,
      dailyRescreen?.dailyRescreenId ?? null,
      dailyRescreen?.forDate ?? null,
    ],
  );
  const runIds = runs.map((run) => run.id);
  if (dailyRescreen) {
    await publishEvent(manager, EventTopic.DailyRescreenStarted, dailyRescreen.dailyRescreenId, {
      runIds: [...runIds].sort(),
    });
  } else {
    for (const runId of runIds)
      await publishEvent(manager, EventTopic.TrialScreeningRequested, runId, { runId });
  }
  return runIds;
}
