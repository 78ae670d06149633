import { Injectable } from '@nestjs/common';
import { ParticipantEntity } from '../entities/participant.entity';
import type { Tx } from './transactions';

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
}
