import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { CriteriaDocument, dateInTimeZone, evaluateCriteria, LeafResult } from '@registry/domain';
import { loadProfiles, recordAudit } from '@registry/persistence';
import { DomainError, ErrorKind, notFound } from '@registry/platform';
import { DataSource } from 'typeorm';
import { Actor, siteFilterOf } from '../auth/actor';
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
    const filter = siteFilterOf(actor);
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
   * Every trial's stored determination (what flags follow) with its explanation worked out now, from the
   * same criteria version, on today's date at the participant's site. The two differ only while a
   * re-screen is pending (a change not yet screened, or the day turned since the daily re-screen).
   */
  async eligibility(actor: Actor, participantId: string): Promise<EligibilityDto[]> {
    const participant = await this.access.visible(this.dataSource.manager, actor, participantId);
    const rows = await this.dataSource.query<
      {
        trial_id: string;
        title: string;
        result: string;
        one_test_away: string | null;
        criteria_version: number;
        changed_at: Date;
        document: CriteriaDocument;
        time_zone: string;
      }[]
    >(
      `SELECT d.trial_id, t.title, d.result, d.one_test_away, d.criteria_version, d.changed_at, v.document, s.time_zone
         FROM eligibility_determination d JOIN trial t ON t.id = d.trial_id
         JOIN trial_criteria_version v ON v.trial_id = d.trial_id AND v.version = d.criteria_version
         JOIN participant p ON p.id = d.participant_id JOIN site s ON s.id = p.site_id
        WHERE d.participant_id = $1 ORDER BY t.title`,
      [participant.id],
    );
    if (rows.length === 0) return [];
    const asOf = dateInTimeZone(new Date(), rows[0].time_zone);
    const loaded = (await loadProfiles(this.dataSource.manager, [participant.id], asOf)).get(participant.id)!;
    const leafCache = new Map<string, LeafResult>();
    return rows.map((row) => {
      const now = evaluateCriteria(row.document.criteria, loaded.profile, {
        asOf,
        trialId: row.trial_id,
        leafCache,
      });
      return {
        trialId: row.trial_id,
        trialTitle: row.title,
        result: row.result,
        oneTestAway: row.one_test_away,
        criteriaVersion: row.criteria_version,
        asOf,
        since: row.changed_at.toISOString(),
        explanation: { result: now.result, oneTestAway: now.oneTestAway, leaves: now.leaves },
      };
    });
  }
}
