import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import type { Relation } from 'typeorm';
import { ParticipantEntity } from './participant.entity';

/** Two registry entries that look like one person (same fingerprint), kept for an admin to resolve. */
@Entity({ name: 'participant_duplicate_flag' })
@Index('participant_duplicate_flag_pair_key', ['participantId', 'matchesParticipantId'], { unique: true })
export class ParticipantDuplicateFlagEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'participant_duplicate_flag_pkey' })
  id: string;

  @Column({ name: 'participant_id', type: 'text' })
  participantId: string;

  @ManyToOne(() => ParticipantEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({
    name: 'participant_id',
    foreignKeyConstraintName: 'participant_duplicate_flag_participant_fk',
  })
  participant?: Relation<ParticipantEntity>;

  @Column({ name: 'matches_participant_id', type: 'text' })
  matchesParticipantId: string;

  @ManyToOne(() => ParticipantEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({
    name: 'matches_participant_id',
    foreignKeyConstraintName: 'participant_duplicate_flag_match_fk',
  })
  matchesParticipant?: Relation<ParticipantEntity>;

  /** Why the coordinator enrolled anyway (e.g. "different person, same name and birth date"). */
  @Column({ name: 'acknowledged_reason', type: 'text' })
  acknowledgedReason: string;

  @CreateDateColumn({ name: 'detected_at', type: 'timestamptz' })
  detectedAt: Date;
}
