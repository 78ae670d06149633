import { Injectable } from '@nestjs/common';
import type { CalendarDate, VisitOnCalendar } from '@registry/domain';
import type { Tx } from './transactions';

/** An eligibility flag raised for a trial, on the calendar day at the participant's site. */
export interface EligibleFlagDay {
  participantId: string;
  raisedOn: CalendarDate;
}

/**
 * What a pool's trend and projection read beside the determinations: when people became eligible (each
 * `eligible` flag opens an episode of eligibility, by the flag policy), and the visits on the calendar.
 * The pool itself is read by the screening reads (`ScreeningRepository.loadCohortInputs`), so a sponsor's
 * counts judge consent and status by the same profile screening does.
 */
@Injectable()
export class SponsorCountsRepository {
  /**
   * How many consent withdrawals have been recorded: a feasibility snapshot read before the latest one may
   * count someone who no longer shares data with sponsors. Withdrawals are few, and never deleted.
   */
  async consentWithdrawals(tx: Tx): Promise<number> {
    const [row] = await tx.query<{ n: string }[]>(`SELECT count(*) AS n FROM consent_withdrawal`);
    return Number(row.n);
  }

  /**
   * Where the registry's changes stand, as two ids that only grow: the last data change recorded for the
   * worker (the outbox: visits, consents, statuses, trial commitments, enrolments) and the last changed
   * determination screening stored (its history row: first screens, re-screens under new criteria, daily
   * re-screens). Sponsor counts read before either moved may be behind. Each is the largest committed id,
   * read through its primary key; ids are not handed out in commit order, so a change that commits after a
   * larger id was read shows only at the next change.
   */
  async changeMarks(tx: Tx): Promise<[dataChange: number, screeningChange: number]> {
    const [row] = await tx.query<{ data: string | null; screening: string | null }[]>(
      `SELECT (SELECT max(id) FROM outbox_event) AS data,
              (SELECT max(id) FROM eligibility_determination_history) AS screening`,
    );
    return [Number(row.data ?? 0), Number(row.screening ?? 0)];
  }

  /** Eligible flags of the trial raised on or after `since` (a day at the participant's site). */
  eligibleFlagDays(tx: Tx, trialId: string, since: CalendarDate): Promise<EligibleFlagDay[]> {
    return tx.query(
      `SELECT f.participant_id AS "participantId", (f.raised_at AT TIME ZONE s.time_zone)::date::text AS "raisedOn"
         FROM eligibility_flag f
         JOIN participant p ON p.id = f.participant_id
         JOIN site s ON s.id = p.site_id
        WHERE f.trial_id = $1 AND f.kind = 'eligible' AND f.raised_at >= ($2::date - 1)::timestamptz
          AND (f.raised_at AT TIME ZONE s.time_zone)::date >= $2::date`,
      [trialId, since],
    );
  }

  /**
   * The visits on the calendar for the participants from `from` through `through`: planned, not cancelled,
   * and not yet held, each with the assessments its protocol visit plans.
   */
  async plannedVisits(
    tx: Tx,
    participantIds: readonly string[],
    from: CalendarDate,
    through: CalendarDate,
  ): Promise<Map<string, VisitOnCalendar[]>> {
    const rows = await tx.query<{ participant_id: string; target_date: string; assessments: string[] }[]>(
      `SELECT sv.participant_id, sv.target_date::text AS target_date, pv.assessments
         FROM scheduled_visit sv JOIN protocol_visit pv ON pv.id = sv.protocol_visit_id
        WHERE sv.participant_id = ANY($1::text[]) AND sv.cancelled_at IS NULL
          AND sv.target_date BETWEEN $2::date AND $3::date
          AND NOT EXISTS (SELECT 1 FROM visit v WHERE v.scheduled_visit_id = sv.id)`,
      [participantIds, from, through],
    );
    const byParticipant = new Map<string, VisitOnCalendar[]>();
    for (const row of rows) {
      const visits = byParticipant.get(row.participant_id) ?? [];
      visits.push({ targetDate: row.target_date, assessments: row.assessments });
      byParticipant.set(row.participant_id, visits);
    }
    return byParticipant;
  }
}
