import { Injectable } from '@nestjs/common';
import { ParticipantIdentityEntity } from '../entities/participant-identity.entity';
import type { Tx } from './transactions';

/** Who a participant is, as stored apart from their clinical facts. */
export type NewIdentity = Omit<ParticipantIdentityEntity, 'participant'>;

/**
 * Participants' names and contacts, kept in their own table so that no clinical read can reach them: only
 * the identity route of own-site coordinators reads them, and each read is audited by its caller.
 */
@Injectable()
export class IdentityRepository {
  async insert(tx: Tx, identity: NewIdentity): Promise<void> {
    await tx.insert(ParticipantIdentityEntity, identity);
  }

  /** The identity of a participant that must exist (every enrolment stores one). */
  findOfParticipant(tx: Tx, participantId: string): Promise<ParticipantIdentityEntity> {
    return tx.findOneByOrFail(ParticipantIdentityEntity, { participantId });
  }
}
