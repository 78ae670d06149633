import { AmyloidStatus, CalendarDate, ParticipantStatus } from '@registry/domain';
import type {
  FingerprintMatch,
  NewParticipant,
  ParticipantAmyloidStatus,
  ParticipantEntity,
  ParticipantListQuery,
  ParticipantRepository,
  Tx,
} from '@registry/persistence';
import { fakeId, Public } from './public';
import { FakeSiteRepository } from './site.repository.fake';

const SORT_KEYS = {
  registryId: (p: ParticipantEntity) => p.id,
  createdAt: (p: ParticipantEntity) => p.createdAt.toISOString(),
  status: (p: ParticipantEntity) => p.status,
} as const;

export class FakeParticipantRepository implements Public<ParticipantRepository> {
  readonly rows = new Map<string, ParticipantEntity>();
  /** Ids read with `forUpdate`, in order: a writer must lock the participant first. */
  readonly locked: string[] = [];
  /** Fingerprints locked against concurrent enrolment, in order. */
  readonly lockedFingerprints: string[] = [];
  readonly duplicateFlags: {
    participantId: string;
    matchesParticipantId: string;
    acknowledgedReason: string;
  }[] = [];
  /** Participants with an overdue visit (the fake keeps no schedule; the test says who is overdue). */
  readonly overdue = new Set<string>();
  /** Every list query asked, in order. */
  readonly listQueries: ParticipantListQuery[] = [];

  /** @param sites where the site codes of fingerprint matches are read */
  constructor(readonly sites = new FakeSiteRepository()) {}

  findById(_tx: Tx, participantId: string, forUpdate = false): Promise<ParticipantEntity | null> {
    if (forUpdate) this.locked.push(participantId);
    const participant = this.rows.get(participantId);
    return Promise.resolve(participant ? { ...participant } : null);
  }

  lockFingerprint(_tx: Tx, fingerprint: string): Promise<void> {
    this.lockedFingerprints.push(fingerprint);
    return Promise.resolve();
  }

  findByFingerprint(_tx: Tx, fingerprint: string): Promise<FingerprintMatch[]> {
    return Promise.resolve(
      [...this.rows.values()]
        .filter((p) => p.identityFingerprint === fingerprint)
        .sort((a, b) => a.id.localeCompare(b.id))
        .map((p) => ({ participantId: p.id, siteCode: this.sites.rows.get(p.siteId)?.code ?? '?' })),
    );
  }

  insert(_tx: Tx, participant: NewParticipant): Promise<ParticipantEntity> {
    if (this.rows.has(participant.id))
      return Promise.reject(new Error(`participant ${participant.id} exists (primary key)`));
    const stored: ParticipantEntity = {
      ...participant,
      amyloidModality: null,
      amyloidDate: null,
      createdAt: new Date('2026-01-05T09:00:00Z'),
      updatedAt: new Date('2026-01-05T09:00:00Z'),
    };
    this.rows.set(stored.id, stored);
    return Promise.resolve({ ...stored });
  }

  flagPossibleDuplicates(
    _tx: Tx,
    participantId: string,
    matchIds: readonly string[],
    acknowledgedReason: string,
  ): Promise<void> {
    for (const matchesParticipantId of matchIds)
      this.duplicateFlags.push({ participantId, matchesParticipantId, acknowledgedReason });
    return Promise.resolve();
  }

  updateStatus(
    _tx: Tx,
    participantId: string,
    status: ParticipantStatus,
    effectiveDate: CalendarDate,
  ): Promise<void> {
    const participant = this.rows.get(participantId);
    if (participant) Object.assign(participant, { status, statusEffectiveDate: effectiveDate });
    return Promise.resolve();
  }

  list(_tx: Tx, query: ParticipantListQuery): Promise<[ParticipantEntity[], number]> {
    this.listQueries.push(query);
    const key = SORT_KEYS[query.sort.column];
    const direction = query.sort.descending ? -1 : 1;
    const matching = [...this.rows.values()]
      .filter((p) => query.visibleSiteIds === 'all' || query.visibleSiteIds.includes(p.siteId))
      .filter((p) => !query.siteId || p.siteId === query.siteId)
      .filter((p) => !query.status || p.status === query.status)
      .filter((p) => !query.registryIdPrefix || p.id.startsWith(query.registryIdPrefix))
      .filter((p) => !query.overdueAt || this.overdue.has(p.id))
      .sort((a, b) => direction * key(a).localeCompare(key(b)) || a.id.localeCompare(b.id));
    const start = (query.page - 1) * query.pageSize;
    return Promise.resolve([
      matching.slice(start, start + query.pageSize).map((p) => ({ ...p })),
      matching.length,
    ]);
  }

  // A new object, as a row updated in PostgreSQL leaves the entity the service read unchanged.
  updateAmyloidStatus(_tx: Tx, participantId: string, status: ParticipantAmyloidStatus): Promise<void> {
    this.replace(participantId, status);
    return Promise.resolve();
  }

  assignProtocol(_tx: Tx, participantId: string, protocolId: string, baselineDate: string): Promise<void> {
    this.replace(participantId, { protocolId, baselineDate });
    return Promise.resolve();
  }

  private replace(participantId: string, fields: Partial<ParticipantEntity>): void {
    const row = this.rows.get(participantId);
    if (!row) throw new Error(`no participant ${participantId}`);
    this.rows.set(participantId, { ...row, ...fields });
  }

  /** Stores a participant with plausible defaults for what the test does not care about. */
  add(fields: Partial<ParticipantEntity> & { siteId: string }): ParticipantEntity {
    const participant: ParticipantEntity = {
      id: fakeId(),
      status: ParticipantStatus.Enrolled,
      statusEffectiveDate: '2026-01-05',
      birthDate: '1960-03-01',
      sex: 'female',
      educationYears: 16,
      apoeGenotype: 'e3/e4',
      familyHistory: null,
      familyHistoryOnsetAge: null,
      studyPartnerAvailable: true,
      referralSource: 'site',
      identityFingerprint: 'fingerprint',
      protocolId: null,
      baselineDate: null,
      amyloidStatus: AmyloidStatus.Unknown,
      amyloidModality: null,
      amyloidDate: null,
      createdAt: new Date('2026-01-05T09:00:00Z'),
      updatedAt: new Date('2026-01-05T09:00:00Z'),
      ...fields,
    };
    this.rows.set(participant.id, participant);
    return participant;
  }
}
