import { Injectable } from '@nestjs/common';
import { DeterminationToStore, FlagsToClose, FlagToRaise, storedTimeChangeDay } from '@registry/domain';
import type { Tx } from './transactions';

/**
 * What screening writes: eligibility determinations (with their history) and the eligibility flags
 * coordinators act on. Each method writes a whole batch with one statement (set-based, through `unnest` or
 * `json_to_recordset`).
 */
@Injectable()
export class DeterminationRepository {
  /**
   * Makes `day` (or an earlier stored one) the day the participant's determination for the trial is judged
   * again by the site's daily re-screen, as if time could change it then: the end of a declined referral's
   * hold on flags, after which the still-eligible participant's flag is raised again.
   */
  async judgeAgainBy(tx: Tx, participantId: string, trialId: string, day: string): Promise<void> {
    await tx.query(
      `UPDATE eligibility_determination SET changes_with_time_on = least(changes_with_time_on, $3::date)
        WHERE participant_id = $1 AND trial_id = $2`,
      [participantId, trialId, day],
    );
  }

  /** Closes the open flags of each participant and trial but those of kind `keep`; returns how many. */
  async closeFlags(tx: Tx, rows: readonly FlagsToClose[]): Promise<number> {
    if (rows.length === 0) return 0;
    const [, closed] = await tx.query<[rows: unknown, affected: number]>(
      `UPDATE eligibility_flag f SET closed_at = now(), close_reason = c.reason
         FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[]) AS c(participant_id, trial_id, keep, reason)
        WHERE f.participant_id = c.participant_id AND f.trial_id = c.trial_id AND f.closed_at IS NULL
          AND f.kind IS DISTINCT FROM c.keep`,
      [
        rows.map((r) => r.participantId),
        rows.map((r) => r.trialId),
        rows.map((r) => r.keep),
        rows.map((r) => r.reason),
      ],
    );
    return closed;
  }

  /**
   * Raises each flag as the next episode of its participant x trial x kind; returns how many were raised. A
   * retry or a race meets the unique indexes and raises nothing. A flag is held back while a declined
   * referral for the trial suppresses flags on the day judged (`flags_suppressed_until`, set from the domain's
   * `flagsSuppressedUntil`; a flag may be raised from that day on, as `flagSuppressed` says).
   */
  async raiseFlags(tx: Tx, rows: readonly FlagToRaise[]): Promise<number> {
    if (rows.length === 0) return 0;
    const inserted = await tx.query<{ id: string }[]>(
      `INSERT INTO eligibility_flag (participant_id, trial_id, kind, episode, test, criteria_version)
       SELECT r.participant_id, r.trial_id, r.kind,
              coalesce((SELECT max(f.episode) FROM eligibility_flag f
                         WHERE f.participant_id = r.participant_id AND f.trial_id = r.trial_id AND f.kind = r.kind), 0) + 1,
              r.test, r.criteria_version
         FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::int[], $6::date[]) AS r(participant_id, trial_id, kind, test, criteria_version, as_of)
        WHERE NOT EXISTS (SELECT 1 FROM referral_contact c
                           WHERE c.participant_id = r.participant_id AND c.trial_id = r.trial_id
                             AND c.flags_suppressed_until > r.as_of)
       ON CONFLICT DO NOTHING RETURNING id`,
      [
        rows.map((r) => r.participantId),
        rows.map((r) => r.trialId),
        rows.map((r) => r.kind),
        rows.map((r) => r.test),
        rows.map((r) => r.criteriaVersion),
        rows.map((r) => r.asOf),
      ],
    );
    return inserted.length;
  }

  /**
   * Stores the determinations (replacing what was stored for each participant and trial, with the first day
   * time alone could change each, 'infinity' for never) and a history row for each whose result changed.
   *
   * Each statement takes its rows as one JSON document (`json_to_recordset`), not as a text array per
   * column: a first screen writes a million rows, and the driver's quoting of every element of the arrays
   * (each stored explanation a JSON string inside an array literal) cost the worker more than building the
   * rows. The document's keys are the short column aliases of `AS d(...)`.
   *
   * The first determination of a participant and trial is a plain INSERT, not an upsert: screening read what
   * was stored under the participant's row lock, which every writer of determinations holds, so there is no
   * row to replace; an upsert would check the key first and log the insert's confirmation besides (465 ms
   * instead of 511-540 ms for 20,000 rows, docs/PERFORMANCE.md). Should a row be there after all, the unique
   * key refuses it and the transaction fails whole, to be retried.
   */
  async storeDeterminations(tx: Tx, rows: readonly DeterminationToStore[]): Promise<void> {
    const first = rows.filter((r) => !r.replacesStored);
    const replacing = first.length === rows.length ? [] : rows.filter((r) => r.replacesStored);
    if (first.length > 0) await tx.query(INSERT_DETERMINATIONS, [determinationsDocument(first)]);
    if (replacing.length > 0) {
      await tx.query(
        `${INSERT_DETERMINATIONS}
         ON CONFLICT (participant_id, trial_id) DO UPDATE SET criteria_version = EXCLUDED.criteria_version,
           result = EXCLUDED.result, one_test_away = EXCLUDED.one_test_away, as_of = EXCLUDED.as_of,
           leaf_judgements = EXCLUDED.leaf_judgements, evaluated_at = now(),
           changes_with_time_on = EXCLUDED.changes_with_time_on,
           -- An explanation or a time-change day written for an unchanged result is not a change.
           changed_at = CASE WHEN (eligibility_determination.criteria_version, eligibility_determination.result,
                                   eligibility_determination.one_test_away)
                                  IS DISTINCT FROM (EXCLUDED.criteria_version, EXCLUDED.result, EXCLUDED.one_test_away)
                             THEN now() ELSE eligibility_determination.changed_at END`,
        [determinationsDocument(replacing)],
      );
    }
    const history = rows.filter((r) => r.historyReasons !== null);
    if (history.length > 0) {
      await tx.query(
        `INSERT INTO eligibility_determination_history (participant_id, trial_id, criteria_version, result, one_test_away, reasons)
         SELECT h.p, h.t, h.v, h.r, h.o, h.reasons
           FROM json_to_recordset($1::json) AS h(p text, t uuid, v int, r text, o text, reasons jsonb)`,
        [
          JSON.stringify(
            history.map((r) => ({
              p: r.participantId,
              t: r.trialId,
              v: r.criteriaVersion,
              r: r.result,
              o: r.oneTestAway,
              reasons: r.historyReasons,
            })),
          ),
        ],
      );
    }
  }
}

/** Inserts the rows of the JSON document `$1` (`determinationsDocument`), as `storeDeterminations` does. */
const INSERT_DETERMINATIONS = `INSERT INTO eligibility_determination (participant_id, trial_id, criteria_version, result, one_test_away, as_of, leaf_judgements, evaluated_at, changed_at, changes_with_time_on)
         SELECT d.p, d.t, d.v, d.r, d.o, d.a, d.j, now(), now(), d.c
           FROM json_to_recordset($1::json) AS d(p text, t uuid, v int, r text, o text, a date, j json, c date)`;

/** The rows of `storeDeterminations` as the one JSON document its statements read (`AS d(...)`'s keys). */
function determinationsDocument(rows: readonly DeterminationToStore[]): string {
  return JSON.stringify(
    rows.map((r) => ({
      p: r.participantId,
      t: r.trialId,
      v: r.criteriaVersion,
      r: r.result,
      o: r.oneTestAway,
      a: r.asOf,
      j: r.explanation,
      c: storedTimeChangeDay(r.changesWithTimeOn),
    })),
  );
}
