import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { Relation } from 'typeorm';
import { ParticipantEntity } from './participant.entity';

/**
 * What screening reads about a participant besides their row, one row per participant: the latest
 * assessment of each type and qualifier, and every consent with its withdrawals, as JSON documents.
 * Maintained by statement-level triggers on `assessment` (through `participant_latest_assessment`),
 * `participant_consent` and `consent_withdrawal` (migration ScreeningFacts); never written by the application.
 */
@Entity({ name: 'participant_screening_facts' })
export class ScreeningFactsEntity {
  @PrimaryColumn({
    name: 'participant_id',
    type: 'text',
    primaryKeyConstraintName: 'participant_screening_facts_pkey',
  })
  participantId: string;

  @ManyToOne(() => ParticipantEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({
    name: 'participant_id',
    foreignKeyConstraintName: 'participant_screening_facts_participant_fk',
  })
  participant?: Relation<ParticipantEntity>;

  /**
   * [type, qualifier, performed on, values, derived] per latest assessment, values and derived with only the
   * fields a profile is built from (the domain's FIELDS_READ_FOR_PROFILE; migration ScreeningFactsReadFields).
   */
  @Column({ name: 'latest_assessments', type: 'json', default: () => "'[]'" })
  latestAssessments: unknown[];

  /** The day of the most recent latest assessment; null without any. */
  @Column({ name: 'latest_performed_on', type: 'date', nullable: true })
  latestPerformedOn: string | null;

  /** [signed on, scopes, [[scope, withdrawn on], ...]] per consent. */
  @Column({ type: 'json', default: () => "'[]'" })
  consents: unknown[];
}
