import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { CriteriaDocument, explainStoredDetermination, notScreenedReason } from '@registry/domain';
import { recordAudit } from '@registry/persistence';
import { DomainError, ErrorKind, notFound } from '@registry/platform';
import { DataSource } from 'typeorm';
import { siteScopeOf } from '../auth/access-policy';
import type { Actor } from '../auth/actor';
import { ParticipantAccess } from '../participants/participant-access';
import type { EligibilityDto, FlagDto, FlagQueryDto } from './flag.dto';

interface FlagRow {
  id: string;
  participant_id: string;
  trial_id: string;
  trial_title: string;
  kind: string;
  episode: number;
  test: string | null;
  raised_at: Date;
  acknowledged_at: Date | null;
  closed_at: Date | null;
  close_reason: string | null;
  site_id: string;
  total: string;
}

const toDto = (row: FlagRow): FlagDto => ({
  id: row.id,
  participantId: row.participant_id,
  trialId: row.trial_id,
  trialTitle: row.trial_title,
  kind: row.kind,
  episode: row.episode,
  test: row.test,
  raisedAt: row.raised_at.toISOString(),
  acknowledgedAt: row.acknowledged_at?.toISOString() ?? null,
  closedAt: row.closed_at?.toISOString() ?? null,
  closeReason: row.close_reason,
});

@Injectable()
export class FlagsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: ParticipantAccess,
  ) {}

  /** Flags of the caller's sites (admins: all), newest first. */
  async list(actor: Actor, query: FlagQueryDto): Promise<[FlagDto[], number]> {
    const filter = siteScopeOf(actor);
    const rows = await this.dataSource.query<FlagRow[]>(
      `SELECT f.*, t.title AS trial_title, p.site_id, count(*) OVER () AS total
         FROM eligibility_flag f JOIN participant p ON p.id = f.participant_id JOIN trial t ON t.id = f.trial_id
        WHERE ($1::boolean OR p.site_id = ANY($2::uuid[]))
          AND CASE $3 WHEN 'open' THEN f.closed_at IS NULL AND f.acknowledged_at IS NULL
                      WHEN 'acknowledged' THEN f.closed_at IS NULL AND f.acknowledged_at IS NOT NULL
                      ELSE f.closed_at IS NOT NULL END
          AND ($4::text IS NULL OR f.kind = $4) AND ($5::uuid IS NULL OR f.trial_id = $5)
        ORDER BY f.raised_at DESC, f.id LIMIT $6 OFFSET $7`,
      [
        filter.all,
        filter.all ? [] : filter.siteIds,
        query.status,
        query.kind ?? null,
        query.trialId ?? null,
        query.pageSize,
        (query.page - 1) * query.pageSize,
      ],
    );
    return [rows.map(toDto), rows.length ? Number(rows[0].total) : 0];
  }

  async acknowledge(actor: Actor, id: string): Promise<FlagDto> {
    return this.dataSource.transaction(async (manager) => {
      const [row] = await manager.query<FlagRow[]>(
        `SELECT f.*, t.title AS trial_title, p.site_id, 1 AS total FROM eligibility_flag f
           JOIN participant p ON p.id = f.participant_id JOIN trial t ON t.id = f.trial_id WHERE f.id = $1 FOR UPDATE OF f`,
        [id],
      );
      if (!row || !this.access.canSee(actor, row.site_id)) throw notFound('Flag');
      if (row.closed_at)
        throw new DomainError(ErrorKind.Conflict, 'flag.closed', `The flag was closed: ${row.close_reason}`);
      if (row.acknowledged_at) return toDto(row);
      const [[updated]] = await manager.query<[{ acknowledged_at: Date }[], number]>(
        `UPDATE eligibility_flag SET acknowledged_at = now(), acknowledged_by = $2 WHERE id = $1 RETURNING acknowledged_at`,
        [id, actor.userId],
      );
      await recordAudit(manager, {
        action: 'flag.acknowledged',
        entityType: 'eligibility_flag',
        entityId: id,
        siteId: row.site_id,
        changes: [{ field: 'acknowledgedAt', old: null, new: updated.acknowledged_at.toISOString() }],
      });
      return toDto({ ...row, acknowledged_at: updated.acknowledged_at });
    });
  }

  /**
   * Every trial's stored determination (what flags follow) with the explanation stored with it, rebuilt
   * from its leaf judgements and its criteria version: the explanation always reaches the result shown,
   * and says which day it was judged for and when. Nothing is worked out from today's data, which may have
   * changed since (the next screening stores a new determination if the result changes). A participant who
   * has only registered is shown as not screened, with the reason, instead of ineligible everywhere.
   */
  async eligibility(actor: Actor, participantId: string): Promise<EligibilityDto[]> {
    const participant = await this.access.visible(this.dataSource.manager, actor, participantId);
    const rows = await this.dataSource.query<StoredDeterminationRow[]>(
      `SELECT d.trial_id, t.title, d.result, d.one_test_away, d.criteria_version, d.as_of::text AS as_of,
              d.evaluated_at, d.changed_at, d.leaf_judgements, v.document
         FROM eligibility_determination d JOIN trial t ON t.id = d.trial_id
         JOIN trial_criteria_version v ON v.trial_id = d.trial_id AND v.version = d.criteria_version
        WHERE d.participant_id = $1 ORDER BY t.title`,
      [participant.id],
    );
    const notScreened = notScreenedReason(participant.status);
    return rows.map((row) => (notScreened ? notScreenedDto(row, notScreened) : storedDto(row)));
  }
}

interface StoredDeterminationRow {
  trial_id: string;
  title: string;
  result: string;
  one_test_away: string | null;
  criteria_version: number;
  as_of: string;
  evaluated_at: Date;
  changed_at: Date;
  /** The domain's StoredExplanation record; null on rows stored before explanations were kept. */
  leaf_judgements: unknown;
  document: CriteriaDocument;
}

function storedDto(row: StoredDeterminationRow): EligibilityDto {
  const explained =
    row.leaf_judgements === null
      ? null
      : explainStoredDetermination(row.document.criteria, row.leaf_judgements);
  return {
    trialId: row.trial_id,
    trialTitle: row.title,
    screening: 'screened',
    notScreenedReason: null,
    result: row.result,
    oneTestAway: row.one_test_away,
    criteriaVersion: row.criteria_version,
    asOf: explained?.asOf ?? row.as_of,
    computedAt: row.evaluated_at.toISOString(),
    since: row.changed_at.toISOString(),
    explanation: explained && {
      tree: explained.tree,
      summary: explained.summary,
      oneTestAway: explained.oneTestAway,
    },
  };
}

function notScreenedDto(row: StoredDeterminationRow, reason: string): EligibilityDto {
  return {
    trialId: row.trial_id,
    trialTitle: row.title,
    screening: 'not_screened',
    notScreenedReason: reason,
    result: null,
    oneTestAway: null,
    criteriaVersion: null,
    asOf: null,
    computedAt: null,
    since: null,
    explanation: null,
  };
}
