import type { IdentityRepository, NewIdentity, ParticipantIdentityEntity, Tx } from '@registry/persistence';
import type { Public } from './public';

export class FakeIdentityRepository implements Public<IdentityRepository> {
  /** Participant id -> identity. */
  readonly rows = new Map<string, ParticipantIdentityEntity>();

  insert(_tx: Tx, identity: NewIdentity): Promise<void> {
    if (this.rows.has(identity.participantId))
      return Promise.reject(new Error(`identity of ${identity.participantId} exists (primary key)`));
    this.rows.set(identity.participantId, { ...identity });
    return Promise.resolve();
  }

  findOfParticipant(_tx: Tx, participantId: string): Promise<ParticipantIdentityEntity> {
    const identity = this.rows.get(participantId);
    return identity
      ? Promise.resolve(identity)
      : Promise.reject(new Error(`no identity of ${participantId}`));
  }
}
