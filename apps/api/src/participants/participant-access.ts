import { Injectable } from '@nestjs/common';
import { ParticipantEntity, ParticipantRepository, Tx } from '@registry/persistence';
import { notFound } from '@registry/platform';
import { maySeeSite, mayWriteParticipantData } from '../auth/access-policy';
import type { Actor } from '../auth/actor';

/**
 * Which participants a caller may see: admins all, coordinators and monitors those of their own sites.
 * Anyone else is answered "not found", so that a participant at another site is not revealed to exist.
 */
@Injectable()
export class ParticipantAccess {
  constructor(private readonly participants: ParticipantRepository) {}

  async visible(tx: Tx, actor: Actor, participantId: string, lock = false): Promise<ParticipantEntity> {
    const participant = await this.participants.findById(tx, participantId, lock);
    if (!participant || !this.canSee(actor, participant.siteId)) throw notFound('Participant');
    return participant;
  }

  /**
   * Writes are for coordinators of the participant's own site (the role guard has already kept others out);
   * the participant's row stays locked until the transaction ends, so their writes are serialised.
   */
  async writable(tx: Tx, actor: Actor, participantId: string): Promise<ParticipantEntity> {
    const participant = await this.visible(tx, actor, participantId, true);
    if (!mayWriteParticipantData(actor, participant.siteId)) throw notFound('Participant');
    return participant;
  }

  canSee(actor: Actor, siteId: string): boolean {
    return maySeeSite(actor, siteId);
  }
}
