import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  ConsentScope,
  CriteriaDocument,
  dateInTimeZone,
  Determination,
  evaluateCriteria,
  ParticipantProfile,
  ParticipantStatus,
} from '@registry/domain';
import { loadProfiles } from '@registry/persistence';
import { DataSource, EntityManager } from 'typeorm';

export interface ScreenableTrial {
  id: string;
  criteriaVersion: number;
  criteria: CriteriaDocument;
  siteIds: Set<string>;
}

/** Statuses in which a person must not be approached for a trial, whatever their data says. */
const NEVER_FLAGGED: readonly ParticipantStatus[] = [
  ParticipantStatus.Withdrawn,
  ParticipantStatus.Deceased,
  ParticipantStatus.InTrial,
];

export interface ScreeningOutcome {
  evaluated: number;
  changed: number;
  flagsRaised: number;
  flagsClosed: number;
}

/**
 * Evaluates participants against recruiting trials and stores what changed: the determination (with its
 * explanation and criteria version), a history row, and the flags coordinators act on. One transaction per
 * call, under a per-participant advisory lock, so two workers screening the same person take turns; the
 * partial unique index on open flags makes a second flag impossible even so.
 */
@Injectable()
export class ScreeningService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async recruitingTrials(
    manager: EntityManager = this.dataSource.manager,
    trialId?: string,
  ): Promise<ScreenableTrial[]> {
    const rows = await manager.query<
      { id: string; criteria_version: number; document: CriteriaDocument; site_ids: string[] }[]
    >(
      `SELECT t.id, t.criteria_version, v.document, coalesce(array_agg(ts.site_id) FILTER (WHERE ts.site_id IS NOT NULL), '{}') AS site_ids
         FROM trial t
         JOIN trial_criteria_version v ON v.trial_id = t.id AND v.version = t.criteria_version
         LEFT JOIN trial_site ts ON ts.trial_id = t.id
        WHERE t.status = 'recruiting' AND ($1::uuid IS NULL OR t.id = $1)
        GROUP BY t.id, t.criteria_version, v.document`,
      [trialId ?? null],
    );
    return rows.map((row) => ({
      id: row.id,
      criteriaVersion: row.criteria_version,
      criteria: row.document,
      siteIds: new Set(row.site_ids),
    }));
  }

  /** Screens the given participants against the given trials (default: every recruiting trial). */
  async screen(
    participantIds: string[],
    trials?: ScreenableTrial[],
    now = new Date(),
  ): Promise<ScreeningOutcome> {
    return this.dataSource.transaction(async (manager) => {
      const sorted = [...participantIds].sort();
      // A fixed lock order: two workers with overlapping batches cannot deadlock.
      await manager.query(
        `SELECT pg_advisory_xact_lock(hashtext('screen:' || id)) FROM unnest($1::text[]) AS id ORDER BY id`,
        [sorted],
      );
      const screenable = trials ?? (await this.recruitingTrials(manager));
      const outcome: ScreeningOutcome = { evaluated: 0, changed: 0, flagsRaised: 0, flagsClosed: 0 };
      if (screenable.length === 0 && sorted.length === 0) return outcome;

      const timeZones = new Map(
        (await manager.query<{ id: string; time_zone: string }[]>(`SELECT id, time_zone FROM site`)).map(
          (s) => [s.id, s.time_zone],
        ),
      );
      const bySiteDay = new Map<string, string[]>();
      const siteOf = await manager.query<{ id: string; site_id: string }[]>(
        `SELECT id, site_id FROM participant WHERE id = ANY($1::text[])`,
        [sorted],
      );
      for (const { id, site_id } of siteOf) {
        // Age and recency are judged on the calendar day at the participant's site.
        const day = dateInTimeZone(now, timeZones.get(site_id) ?? 'UTC');
        bySiteDay.set(day, [...(bySiteDay.get(day) ?? []), id]);
      }
      const existing = await this.currentDeterminations(
        manager,
        sorted,
        screenable.map((t) => t.id),
      );
      for (const [asOf, ids] of bySiteDay) {
        const profiles = await loadProfiles(manager, ids, asOf);
        for (const [participantId, { siteId, profile }] of profiles) {
          for (const trial of screenable) {
            if (!trial.siteIds.has(siteId)) continue;
            const determination = evaluateCriteria(trial.criteria.criteria, profile, {
              asOf,
              trialId: trial.id,
            });
            outcome.evaluated++;
            const key = `${participantId}|${trial.id}`;
            const previous = existing.get(key);
            const changed =
              !previous ||
              previous.result !== determination.result ||
              previous.one_test_away !== (determination.oneTestAway?.test ?? null) ||
              previous.criteria_version !== trial.criteriaVersion;
            if (changed) {
              outcome.changed++;
              await this.storeDetermination(manager, participantId, trial, determination, asOf, !previous);
            }
            const flags = await this.reconcileFlags(manager, participantId, trial, determination, profile);
            outcome.flagsRaised += flags.raised;
            outcome.flagsClosed += flags.closed;
          }
        }
      }
      return outcome;
    });
  }

  private async currentDeterminations(manager: EntityManager, participantIds: string[], trialIds: string[]) {
    const rows = await manager.query<
      {
        participant_id: string;
        trial_id: string;
        result: string;
        one_test_away: string | null;
        criteria_version: number;
      }[]
    >(
      `SELECT participant_id, trial_id, result, one_test_away, criteria_version FROM eligibility_determination
        WHERE participant_id = ANY($1::text[]) AND trial_id = ANY($2::uuid[])`,
      [participantIds, trialIds],
    );
    return new Map(rows.map((row) => [`${row.participant_id}|${row.trial_id}`, row]));
  }

  private async storeDetermination(
    manager: EntityManager,
    participantId: string,
    trial: ScreenableTrial,
    determination: Determination,
    asOf: string,
    first: boolean,
  ): Promise<void> {
    const explanation = { oneTestAway: determination.oneTestAway, leaves: determination.leaves };
    await manager.query(
      `INSERT INTO eligibility_determination (participant_id, trial_id, criteria_version, result, one_test_away, explanation, as_of, evaluated_at, changed_at)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, now(), now())
       ON CONFLICT (participant_id, trial_id) DO UPDATE SET criteria_version = EXCLUDED.criteria_version, result = EXCLUDED.result,
         one_test_away = EXCLUDED.one_test_away, explanation = EXCLUDED.explanation, as_of = EXCLUDED.as_of,
         evaluated_at = now(), changed_at = now()`,
      [
        participantId,
        trial.id,
        trial.criteriaVersion,
        determination.result,
        determination.oneTestAway?.test ?? null,
        JSON.stringify(explanation),
        asOf,
      ],
    );
    const reasons = determination.leaves
      .filter((leaf) => leaf.outcome !== 'pass')
      .map((leaf) =>
        leaf.outcome === 'fail' ? `fails: ${leaf.criterion}` : `unknown: ${leaf.needs ?? leaf.criterion}`,
      );
    await manager.query(
      `INSERT INTO eligibility_determination_history (participant_id, trial_id, criteria_version, result, one_test_away, reasons)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb)`,
      [
        participantId,
        trial.id,
        trial.criteriaVersion,
        determination.result,
        determination.oneTestAway?.test ?? null,
        JSON.stringify(first ? reasons : reasons),
      ],
    );
  }

  /**
   * An eligible (or one-test-away) participant who may be approached gets one open flag of that kind;
   * anything else closes the open flags with the reason. Retries and races meet the unique indexes.
   */
  private async reconcileFlags(
    manager: EntityManager,
    participantId: string,
    trial: ScreenableTrial,
    determination: Determination,
    profile: ParticipantProfile,
  ): Promise<{ raised: number; closed: number }> {
    const approachable =
      profile.consentScopes.includes(ConsentScope.RecontactForTrials) &&
      !NEVER_FLAGGED.includes(profile.status);
    const wanted: 'eligible' | 'one_test_away' | null = !approachable
      ? null
      : determination.result === 'eligible'
        ? 'eligible'
        : determination.oneTestAway
          ? 'one_test_away'
          : null;
    const why = !approachable
      ? profile.consentScopes.includes(ConsentScope.RecontactForTrials)
        ? `participant status is ${profile.status}`
        : 'no consent to be recontacted for trials'
      : determination.result === 'ineligible'
        ? `no longer eligible: ${determination.leaves
            .filter((l) => l.outcome === 'fail')
            .map((l) => l.criterion)
            .join('; ')}`
        : determination.result === 'eligible'
          ? 'now eligible'
          : 'no longer one test away';
    const [, closed] = await manager.query<[unknown, number]>(
      `UPDATE eligibility_flag SET closed_at = now(), close_reason = $4
        WHERE participant_id = $1 AND trial_id = $2 AND closed_at IS NULL AND kind IS DISTINCT FROM $3`,
      [participantId, trial.id, wanted, why],
    );
    if (!wanted) return { raised: 0, closed };
    const inserted = await manager.query<{ id: string }[]>(
      `INSERT INTO eligibility_flag (participant_id, trial_id, kind, episode, test, criteria_version)
       SELECT $1, $2, $3, coalesce(max(episode), 0) + 1, $4, $5 FROM eligibility_flag
        WHERE participant_id = $1 AND trial_id = $2 AND kind = $3
       ON CONFLICT DO NOTHING RETURNING id`,
      [
        participantId,
        trial.id,
        wanted,
        wanted === 'one_test_away' ? determination.oneTestAway!.test : null,
        trial.criteriaVersion,
      ],
    );
    return { raised: inserted.length, closed };
  }
}
