import { Injectable } from '@nestjs/common';
import type { AmyloidModality, AmyloidStatus, CalendarDate } from '@registry/domain';
import { ParticipantEntity } from '../entities/participant.entity';
import type { Tx } from './transactions';

/** A participant's amyloid status, as the latest biomarker results give it, with where it came from. */
export interface ParticipantAmyloidStatus {
  amyloidStatus: AmyloidStatus;
  amyloidModality: AmyloidModality | null;
  amyloidDate: CalendarDate | null;
}

/** Participants: the registry's people, each enrolled at one site. */
@Injectable()
export class ParticipantRepository {
  /** One participant, or null; `forUpdate` locks the row until the transaction ends (writers of their data). */
  findById(tx: Tx, participantId: string, forUpdate = false): Promise<ParticipantEntity | null> {
    return tx.findOne(ParticipantEntity, {
      where: { id: participantId },
      lock: forUpdate ? { mode: 'pessimistic_write' } : undefined,
    });
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
