import { AssessmentType, VisitMode } from '@registry/domain';
import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  OneToMany,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { Relation } from 'typeorm';
import { ParticipantEntity } from './participant.entity';
import { ProtocolVisitEntity } from './protocol.entity';

/** A visit of the participant's protocol, laid out at enrolment in the site's calendar. */
@Entity({ name: 'scheduled_visit' })
@Index('scheduled_visit_protocol_visit_key', ['participantId', 'protocolVisitId'], { unique: true })
@Index('scheduled_visit_window_idx', ['windowStart'])
@Check('scheduled_visit_window_order', `"window_start" <= "target_date" AND "target_date" <= "window_end"`)
@Check('scheduled_visit_cancel_reason', `("cancelled_at" IS NULL) = ("cancel_reason" IS NULL)`)
@Check('scheduled_visit_status_valid', `"status" IN ('scheduled', 'missed')`)
@Check(
  'scheduled_visit_missed_on',
  `("status" = 'missed') = ("missed_on" IS NOT NULL) AND ("missed_on" IS NULL OR "missed_on" > "window_end")`,
)
export class ScheduledVisitEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'scheduled_visit_pkey' })
  id: string;

  @Column({ name: 'participant_id', type: 'text' })
  participantId: string;

  @ManyToOne(() => ParticipantEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'participant_id', foreignKeyConstraintName: 'scheduled_visit_participant_fk' })
  participant?: Relation<ParticipantEntity>;

  @Column({ name: 'protocol_visit_id', type: 'uuid' })
  protocolVisitId: string;

  @ManyToOne(() => ProtocolVisitEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'protocol_visit_id', foreignKeyConstraintName: 'scheduled_visit_protocol_visit_fk' })
  protocolVisit?: Relation<ProtocolVisitEntity>;

  @Column({ type: 'text' })
  code: string;

  @Column({ name: 'target_date', type: 'date' })
  targetDate: string;

  @Column({ name: 'window_start', type: 'date' })
  windowStart: string;

  @Column({ name: 'window_end', type: 'date' })
  windowEnd: string;

  @Column({ name: 'cancelled_at', type: 'timestamptz', nullable: true })
  cancelledAt: Date | null;

  @Column({ name: 'cancel_reason', type: 'text', nullable: true })
  cancelReason: string | null;

  /** 'missed' once its window closed without a visit (marked by the daily reminder job, audited). */
  @Column({ type: 'text', default: 'scheduled' })
  status: 'scheduled' | 'missed';

  /** The day at the site it was marked missed (after its window). */
  @Column({ name: 'missed_on', type: 'date', nullable: true })
  missedOn: string | null;
}

/** A visit that took place, with the assessments done at it. */
@Entity({ name: 'visit' })
@Index('visit_participant_idx', ['participantId', 'visitDate'])
@Index('visit_scheduled_visit_key', ['scheduledVisitId'], {
  unique: true,
  where: '"scheduled_visit_id" IS NOT NULL',
})
@Index('visit_idempotency_key', ['participantId', 'idempotencyKey'], {
  unique: true,
  where: '"idempotency_key" IS NOT NULL',
})
@Check('visit_deviation_has_reason', `NOT "deviation" OR "deviation_reason" IS NOT NULL`)
@Check('visit_mode_valid', `"mode" IN ('clinic', 'remote')`)
export class VisitEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'visit_pkey' })
  id: string;

  @Column({ name: 'participant_id', type: 'text' })
  participantId: string;

  @ManyToOne(() => ParticipantEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'participant_id', foreignKeyConstraintName: 'visit_participant_fk' })
  participant?: Relation<ParticipantEntity>;

  @Column({ name: 'scheduled_visit_id', type: 'uuid', nullable: true })
  scheduledVisitId: string | null;

  @ManyToOne(() => ScheduledVisitEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'scheduled_visit_id', foreignKeyConstraintName: 'visit_scheduled_visit_fk' })
  scheduledVisit?: Relation<ScheduledVisitEntity>;

  @Column({ name: 'visit_date', type: 'date' })
  visitDate: string;

  @Column({ type: 'text' })
  mode: VisitMode;

  /** Outside the scheduled visit's window: allowed, recorded as a protocol deviation with its reason. */
  @Column({ type: 'boolean', default: false })
  deviation: boolean;

  @Column({ name: 'deviation_reason', type: 'text', nullable: true })
  deviationReason: string | null;

  @Column({ name: 'idempotency_key', type: 'text', nullable: true })
  idempotencyKey: string | null;

  /** SHA-256 of the request that used the key: the same key with another body is refused. */
  @Column({ name: 'idempotency_request_hash', type: 'text', nullable: true })
  idempotencyRequestHash: string | null;

  @Column({ name: 'recorded_by', type: 'uuid' })
  recordedBy: string;

  @OneToMany(() => AssessmentEntity, (assessment) => assessment.visit)
  assessments?: Relation<AssessmentEntity[]>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** One instrument or biomarker result; `derived` holds what the server computed and from what. */
@Entity({ name: 'assessment' })
@Index('assessment_participant_type_idx', ['participantId', 'type', 'performedOn'])
@Check(
  'assessment_type_valid',
  `"type" IN ('mmse', 'moca', 'cdr', 'logical_memory', 'fcsrt', 'digit_symbol', 'cfi', 'amyloid_pet', 'tau_pet', 'csf', 'plasma', 'mri')`,
)
@Check('assessment_version_positive', `"version" >= 1`)
export class AssessmentEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'assessment_pkey' })
  id: string;

  @Column({ name: 'visit_id', type: 'uuid' })
  visitId: string;

  @ManyToOne(() => VisitEntity, (visit) => visit.assessments, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'visit_id', foreignKeyConstraintName: 'assessment_visit_fk' })
  visit?: Relation<VisitEntity>;

  /** Repeated from the visit so that "latest value of a measure" reads one index. */
  @Column({ name: 'participant_id', type: 'text' })
  participantId: string;

  @ManyToOne(() => ParticipantEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'participant_id', foreignKeyConstraintName: 'assessment_participant_fk' })
  participant?: Relation<ParticipantEntity>;

  @Column({ type: 'text' })
  type: AssessmentType;

  @Column({ name: 'performed_on', type: 'date' })
  performedOn: string;

  @Column({ type: 'jsonb' })
  values: Record<string, unknown>;

  @Column({ type: 'jsonb' })
  derived: Record<string, unknown>;

  /** Incremented by each correction; the earlier values stay in the audit trail. */
  @Column({ type: 'integer', default: 1 })
  version: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

/**
 * The latest assessment of each type and qualifier (tracer, platform or analyte) per participant: what
 * screening reads instead of the whole history. Maintained by statement-level triggers on `assessment`
 * (migration ScreeningAtScale), so every writer keeps it right, bulk loads included.
 */
@Entity({ name: 'participant_latest_assessment' })
export class LatestAssessmentEntity {
  @PrimaryColumn({
    name: 'participant_id',
    type: 'text',
    primaryKeyConstraintName: 'participant_latest_assessment_pkey',
  })
  participantId: string;

  @ManyToOne(() => ParticipantEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({
    name: 'participant_id',
    foreignKeyConstraintName: 'participant_latest_assessment_participant_fk',
  })
  participant?: Relation<ParticipantEntity>;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'participant_latest_assessment_pkey' })
  type: AssessmentType;

  /** Tracer, platform or analyte; empty for assessments without one. */
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'participant_latest_assessment_pkey' })
  qualifier: string;

  @Column({ name: 'assessment_id', type: 'uuid' })
  assessmentId: string;

  @ManyToOne(() => AssessmentEntity, { onDelete: 'CASCADE' })
  @JoinColumn({
    name: 'assessment_id',
    foreignKeyConstraintName: 'participant_latest_assessment_assessment_fk',
  })
  assessment?: Relation<AssessmentEntity>;

  @Column({ name: 'performed_on', type: 'date' })
  performedOn: string;

  @Column({ type: 'jsonb' })
  values: Record<string, unknown>;

  @Column({ type: 'jsonb' })
  derived: Record<string, unknown>;
}
