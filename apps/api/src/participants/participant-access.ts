import { Injectable } from '@nestjs/common';
import { Role } from '@registry/domain';
import { ParticipantEntity } from '@registry/persistence';
import { notFound } from '@registry/platform';
import type { EntityManager } from 'typeorm';
import { Actor, siteFilterOf } from '../auth/actor';

/**
 * Which participants a caller may see: admins all, coordinators and monitors those of their own sites.
 * Anyone else is answered "not found", so that a participant at another site is not revealed to exist.
 */
@Injectable()
export class ParticipantAccess {
  async visible(
    manager: EntityManager,
    actor: Actor,
    participantId: string,
    lock = false,
  ): Promise<ParticipantEntity> {
    const participant = await manager.findOne(ParticipantEntity, {
      where: { id: participantId },
      lock: lock ? { mode: 'pessimistic_write' } : undefined,
    });
    if (!participant || !this.canSee(actor, participant.siteId)) throw notFound('Participant');
    return participant;
  }

  /** Writes are for coordinators of the participant's own site (the role guard has already kept others out). */
  async writable(manager: EntityManager, actor: Actor, participantId: string): Promise<ParticipantEntity> {
    const participant = await this.visible(manager, actor, participantId, true);
    if (actor.role !== Role.Coordinator) throw notFound('Participant');
    return participant;
  }

  canSee(actor: Actor, siteId: string): boolean {
    const filter = siteFilterOf(actor);
    return filter.all || filter.siteIds.includes(siteId);
  }
}
