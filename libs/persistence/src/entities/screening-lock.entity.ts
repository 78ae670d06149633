import { Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { Relation } from 'typeorm';
import { ParticipantEntity } from './participant.entity';

/**
 * The row screening locks while it judges and writes a participant (`ScreeningRepository.locate`), one per
 * participant: narrow, so that locking a batch writes few pages (migration ScreeningLocks). Inserted by a
 * trigger on `participant`; never written by the application.
 */
@Entity({ name: 'participant_screening_lock' })
export class ScreeningLockEntity {
  @PrimaryColumn({
    name: 'participant_id',
    type: 'text',
    primaryKeyConstraintName: 'participant_screening_lock_pkey',
  })
  participantId: string;

  @ManyToOne(() => ParticipantEntity, { onDelete: 'CASCADE' })
  @JoinColumn({
    name: 'participant_id',
    foreignKeyConstraintName: 'participant_screening_lock_participant_fk',
  })
  participant?: Relation<ParticipantEntity>;
}
