import { AmyloidStatus, ParticipantStatus } from '@registry/domain';
import type {
  ParticipantAmyloidStatus,
  ParticipantEntity,
  ParticipantRepository,
  Tx,
} from '@registry/persistence';
import { fakeId, Public } from './public';

export class FakeParticipantRepository implements Public<ParticipantRepository> {
  readonly rows = new Map<string, ParticipantEntity>();
  /** Ids read with `forUpdate`, in order: a writer must lock the participant first. */
  readonly locked: string[] = [];

  findById(_tx: Tx, participantId: string, forUpdate = false): Promise<ParticipantEntity | null> {
    if (forUpdate) this.locked.push(participantId);
    return Promise.resolve(this.rows.get(participantId) ?? null);
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
