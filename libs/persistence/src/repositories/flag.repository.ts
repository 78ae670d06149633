import { Injectable } from '@nestjs/common';
import type { CriteriaDocument, FlagKind } from '@registry/domain';
import type { Tx } from './transactions';

/** Open: not yet acknowledged; acknowledged: acted on by the site and still open; closed: no longer open. */
export type FlagListStatus = 'open' | 'acknowledged' | 'closed';

/** A flag as coordinators see it: with its trial's title and the participant's site (the one it is shown to). */
export interface FlagRecord {
  id: string;
  participantId: string;
  trialId: string;
  trialTitle: string;
  siteId: string;
  kind: FlagKind;
  episode: number;
  test: string | null;
  raisedAt: Date;
  acknowledgedAt: Date | null;
  closedAt: Date | null;
  closeReason: string | null;
}

export interface FlagQuery {
  /** Every site's flags, or only those of participants at `siteIds`. */
  allSites: boolean;
  siteIds: string[];
  status: FlagListStatus;
  kind: FlagKind | null;
  trialId: string | null;
  limit: number;
  offset: number;
}

export interface FlagPage {
  flags: FlagRecord[];
  /** How many flags match the query, over every page. */
  total: number;
}

/** A participant's stored determination for one trial, with what its explanation is rebuilt from. */
export interface DeterminationRecord {
  trialId: string;
  trialTitle: string;
  result: string;
  oneTestAway: string | null;
  criteriaVersion: number;
  /** The calendar day the criteria were judged for. */
  asOf: string;
  evaluatedAt: Date;
  changedAt: Date;
  /** The domain's StoredExplanation record; null on rows stored before explanations were kept. */
  leafJudgements: unknown;
  /** The criteria document of the version it was judged with. */
  document: CriteriaDocument;
}

interface FlagRow {
  id: string;
  participant_id: string;
  trial_id: string;
  trial_title: string;
  kind: FlagKind;
  episode: number;
  test: string | null;
  raised_at: Date;
  acknowledged_at: Date | null;
  closed_at: Date | null;
  close_reason: string | null;
  site_id: string;
  total: string | number;
}

interface DeterminationRow {
  trial_id: string;
  title: string;
  result: string;
  one_test_away: string | null;
  criteria_version: number;
  as_of: string;
  evaluated_at: Date;
  changed_at: Date;
  leaf_judgements: unknown;
  document: CriteriaDocument;
}

function toFlag(row: FlagRow): FlagRecord {
  return {
    id: row.id,
    participantId: row.participant_id,
    trialId: row.trial_id,
    trialTitle: row.trial_title,
    siteId: row.site_id,
    kind: row.kind,
    episode: row.episode,
    test: row.test,
    raisedAt: row.raised_at,
    acknowledgedAt: row.acknowledged_at,
    closedAt: row.closed_at,
    closeReason: row.close_reason,
  };
}

function toDetermination(row: DeterminationRow): DeterminationRecord {
  return {
    trialId: row.trial_id,
    trialTitle: row.title,
    result: row.result,
    oneTestAway: row.one_test_away,
    criteriaVersion: row.criteria_version,
    asOf: row.as_of,
    evaluatedAt: row.evaluated_at,
    changedAt: row.changed_at,
    leafJudgements: row.leaf_judgements,
    document: row.document,
  };
}

/**
 * The API's side of eligibility: flags as sites see and acknowledge them, and the determinations screening
 * stored. Screening (the worker) raises and closes flags and stores determinations.
 */
@Injectable()
export class FlagRepository {
  /** One page of the flags that match, newest first, and how many match in all. */
  async list(tx: Tx, query: FlagQuery): Promise<FlagPage> {
    const rows = await tx.query<FlagRow[]>(
      `SELECT f.*, t.title AS trial_title, p.site_id, count(*) OVER () AS total
         FROM eligibility_flag f JOIN participant p ON p.id = f.participant_id JOIN trial t ON t.id = f.trial_id
        WHERE ($1::boolean OR p.site_id = ANY($2::uuid[]))
          AND CASE $3 WHEN 'open' THEN f.closed_at IS NULL AND f.acknowledged_at IS NULL
                      WHEN 'acknowledged' THEN f.closed_at IS NULL AND f.acknowledged_at IS NOT NULL
                      ELSE f.closed_at IS NOT NULL END
          AND ($4::text IS NULL OR f.kind = $4) AND ($5::uuid IS NULL OR f.trial_id = $5)
        ORDER BY f.raised_at DESC, f.id LIMIT $6 OFFSET $7`,
      [
        query.allSites,
        query.allSites ? [] : query.siteIds,
        query.status,
        query.kind,
        query.trialId,
        query.limit,
        query.offset,
      ],
    );
    return { flags: rows.map(toFlag), total: rows.length ? Number(rows[0].total) : 0 };
  }

  /** One flag, or null; it stays locked until the transaction ends, so it is acknowledged once. */
  async findForUpdate(tx: Tx, flagId: string): Promise<FlagRecord | null> {
    const [row] = await tx.query<FlagRow[]>(
      `SELECT f.*, t.title AS trial_title, p.site_id, 1 AS total FROM eligibility_flag f
           JOIN participant p ON p.id = f.participant_id JOIN trial t ON t.id = f.trial_id WHERE f.id = $1 FOR UPDATE OF f`,
      [flagId],
    );
    return row ? toFlag(row) : null;
  }

  /** Marks the flag acknowledged by the user, now (the database's clock); returns when. */
  async acknowledge(tx: Tx, flagId: string, userId: string): Promise<Date> {
    const [[updated]] = await tx.query<[{ acknowledged_at: Date }[], number]>(
      `UPDATE eligibility_flag SET acknowledged_at = now(), acknowledged_by = $2 WHERE id = $1 RETURNING acknowledged_at`,
      [flagId, userId],
    );
    return updated.acknowledged_at;
  }

  /** Closes every open flag of a trial, for `reason`; returns how many were open. */
  async closeOpenOfTrial(tx: Tx, trialId: string, reason: string): Promise<number> {
    const [, closed] = await tx.query<[unknown, number]>(
      `UPDATE eligibility_flag SET closed_at = now(), close_reason = $2 WHERE trial_id = $1 AND closed_at IS NULL`,
      [trialId, reason],
    );
    return closed;
  }

  /**
   * Closes every open flag of the participant: those for `trialId` for `reasonForTrial`, the others for
   * `reasonForOthers` (a randomised participant leaves every pool at once); returns how many were open.
   */
  async closeOpenOfParticipant(
    tx: Tx,
    participantId: string,
    trialId: string,
    reasonForTrial: string,
    reasonForOthers: string,
  ): Promise<number> {
    const [, closed] = await tx.query<[unknown, number]>(
      `UPDATE eligibility_flag SET closed_at = now(),
              close_reason = CASE WHEN trial_id = $2 THEN $3 ELSE $4 END
        WHERE participant_id = $1 AND closed_at IS NULL`,
      [participantId, trialId, reasonForTrial, reasonForOthers],
    );
    return closed;
  }

  /** Closes the participant's open flags for one trial, for `reason`; returns how many were open. */
  async closeOpenOfParticipantForTrial(
    tx: Tx,
    participantId: string,
    trialId: string,
    reason: string,
  ): Promise<number> {
    const [, closed] = await tx.query<[unknown, number]>(
      `UPDATE eligibility_flag SET closed_at = now(), close_reason = $3
        WHERE participant_id = $1 AND trial_id = $2 AND closed_at IS NULL`,
      [participantId, trialId, reason],
    );
    return closed;
  }

  /** Every stored determination of the participant, with its criteria document, by trial title. */
  async determinationsOf(tx: Tx, participantId: string): Promise<DeterminationRecord[]> {
    const rows = await tx.query<DeterminationRow[]>(
      `SELECT d.trial_id, t.title, d.result, d.one_test_away, d.criteria_version, d.as_of::text AS as_of,
              d.evaluated_at, d.changed_at, d.leaf_judgements, v.document
         FROM eligibility_determination d JOIN trial t ON t.id = d.trial_id
         JOIN trial_criteria_version v ON v.trial_id = d.trial_id AND v.version = d.criteria_version
        WHERE d.participant_id = $1 ORDER BY t.title`,
      [participantId],
    );
    return rows.map(toDetermination);
  }
}
