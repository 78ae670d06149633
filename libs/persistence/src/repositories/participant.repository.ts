import { Injectable } from '@nestjs/common';
import type { AmyloidModality, AmyloidStatus, CalendarDate, ParticipantStatus } from '@registry/domain';
import { ParticipantDuplicateFlagEntity } from '../entities/duplicate-flag.entity';
import { ParticipantEntity } from '../entities/participant.entity';
import type { Tx } from './transactions';

/** The clinical facts of a new participant under the registry id minted for them. */
export type NewParticipant = Omit<
  ParticipantEntity,
  'site' | 'protocol' | 'amyloidModality' | 'amyloidDate' | 'createdAt' | 'updatedAt'
>;

/** A participant enrolled with the same identity fingerprint, and the code of their site. */
export interface FingerprintMatch {
  participantId: string;
  siteCode: string;
}

/** A participant's amyloid status, as the latest biomarker results give it, with where it came from. */
export interface ParticipantAmyloidStatus {
  amyloidStatus: AmyloidStatus;
  amyloidModality: AmyloidModality | null;
  amyloidDate: CalendarDate | null;
}

export type ParticipantSortColumn = 'registryId' | 'createdAt' | 'status';

/** A page of the participant list; `visibleSiteIds` is the caller's scope ('all' for admins). */
export interface ParticipantListQuery {
  visibleSiteIds: string[] | 'all';
  siteId?: string;
  status?: ParticipantStatus;
  registryIdPrefix?: string;
  /** Only participants with a scheduled visit overdue at this instant (each site's own calendar day). */
  overdueAt?: Date;
  sort: { column: ParticipantSortColumn; descending: boolean };
  page: number;
  pageSize: number;
}

const SORT_COLUMNS: Record<ParticipantSortColumn, string> = {
  registryId: 'p.id',
  createdAt: 'p.createdAt',
  status: 'p.status',
};

/** Participants: the registry's people, each enrolled at one site, and the pairs flagged as possibly one person. */
@Injectable()
export class ParticipantRepository {
  /** One participant, or null; `forUpdate` locks the row until the transaction ends (writers of their data). */
  findById(tx: Tx, participantId: string, forUpdate = false): Promise<ParticipantEntity | null> {
    return tx.findOne(ParticipantEntity, {
      where: { id: participantId },
      lock: forUpdate ? { mode: 'pessimistic_write' } : undefined,
    });
  }

  /**
   * Holds, until the transaction ends, the lock on enrolments of this fingerprint: two enrolments of one
   * person at once would both find no match, so the second waits for the first to commit. Other people do
   * not wait, as the lock is keyed by the fingerprint.
   */
  async lockFingerprint(tx: Tx, fingerprint: string): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [fingerprint]);
  }

  /** Every participant at any site with this identity fingerprint, by registry id. */
  async findByFingerprint(tx: Tx, fingerprint: string): Promise<FingerprintMatch[]> {
    const rows = await tx.query<{ id: string; code: string }[]>(
      `SELECT p.id, s.code FROM participant p JOIN site s ON s.id = p.site_id WHERE p.identity_fingerprint = $1 ORDER BY p.id`,
      [fingerprint],
    );
    return rows.map((row) => ({ participantId: row.id, siteCode: row.code }));
  }

  /** Stores a participant; the returned row carries the timestamps the database assigned. */
  async insert(tx: Tx, participant: NewParticipant): Promise<ParticipantEntity> {
    const row = tx.create(ParticipantEntity, participant);
    await tx.insert(ParticipantEntity, row);
    return row;
  }

  /** Records that `participantId` may be the same person as each of `matchIds`, and why it was enrolled anyway. */
  async flagPossibleDuplicates(
    tx: Tx,
    participantId: string,
    matchIds: readonly string[],
    acknowledgedReason: string,
  ): Promise<void> {
    for (const matchesParticipantId of matchIds) {
      await tx.insert(ParticipantDuplicateFlagEntity, {
        participantId,
        matchesParticipantId,
        acknowledgedReason,
      });
    }
  }

  async updateStatus(
    tx: Tx,
    participantId: string,
    status: ParticipantStatus,
    effectiveDate: CalendarDate,
  ): Promise<void> {
    await tx.update(ParticipantEntity, participantId, { status, statusEffectiveDate: effectiveDate });
  }

  /** One page of participants and the total matching, ties broken by registry id. */
  list(tx: Tx, query: ParticipantListQuery): Promise<[ParticipantEntity[], number]> {
    const builder = tx.getRepository(ParticipantEntity).createQueryBuilder('p');
    if (query.visibleSiteIds !== 'all')
      builder.andWhere('p.site_id = ANY(:siteIds::uuid[])', { siteIds: query.visibleSiteIds });
    if (query.siteId) builder.andWhere('p.site_id = :siteId', { siteId: query.siteId });
    if (query.status) builder.andWhere('p.status = :status', { status: query.status });
    if (query.registryIdPrefix)
      builder.andWhere('p.id LIKE :prefix', { prefix: `${query.registryIdPrefix}%` });
    if (query.overdueAt) {
      // Same rule as scheduledVisitStatus() in libs/domain: past the window, and the next window not yet open,
      // with "today" taken in the site's own time zone at the given instant (as SiteCalendar does).
      builder.andWhere(
        `EXISTS (
        SELECT 1 FROM scheduled_visit sv JOIN site s ON s.id = p.site_id
        WHERE sv.participant_id = p.id AND sv.cancelled_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM visit v WHERE v.scheduled_visit_id = sv.id)
          AND sv.window_end < (:now::timestamptz AT TIME ZONE s.time_zone)::date
          AND NOT EXISTS (
            SELECT 1 FROM scheduled_visit nxt
            WHERE nxt.participant_id = sv.participant_id AND nxt.window_start > sv.window_start
              AND nxt.window_start <= (:now::timestamptz AT TIME ZONE s.time_zone)::date))`,
        { now: query.overdueAt },
      );
    }
    const column = SORT_COLUMNS[query.sort.column];
    builder.orderBy(column, query.sort.descending ? 'DESC' : 'ASC');
    // TypeORM keeps one direction per column, so the tie-break is left out when sorting by registry id.
    if (column !== SORT_COLUMNS.registryId) builder.addOrderBy('p.id', 'ASC');
    return builder
      .skip((query.page - 1) * query.pageSize)
      .take(query.pageSize)
      .getManyAndCount();
  }

  /** Stores the amyloid status derived from the participant's latest biomarker results. */
  async updateAmyloidStatus(tx: Tx, participantId: string, status: ParticipantAmyloidStatus): Promise<void> {
    const { amyloidStatus, amyloidModality, amyloidDate } = status;
    await tx.update(ParticipantEntity, participantId, { amyloidStatus, amyloidModality, amyloidDate });
  }

  /** Puts the participant on a protocol from a baseline day (their scheduled visits are laid out apart). */
  async assignProtocol(
    tx: Tx,
    participantId: string,
    protocolId: string,
    baselineDate: CalendarDate,
  ): Promise<void> {
    await tx.update(ParticipantEntity, participantId, { protocolId, baselineDate });
  }
}
