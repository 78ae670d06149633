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
  PrimaryGeneratedColumn,
} from 'typeorm';
import type { Relation } from 'typeorm';

/** A versioned follow-up protocol; a new version is a new row, so enrolled participants keep theirs. */
@Entity({ name: 'protocol' })
@Index('protocol_code_version_key', ['code', 'version'], { unique: true })
@Check('protocol_version_positive', `"version" >= 1`)
export class ProtocolEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'protocol_pkey' })
  id: string;

  @Column({ type: 'text' })
  code: string;

  @Column({ type: 'integer' })
  version: number;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'boolean', default: true })
  active: boolean;

  @OneToMany(() => ProtocolVisitEntity, (visit) => visit.protocol)
  visits?: Relation<ProtocolVisitEntity[]>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

@Entity({ name: 'protocol_visit' })
@Index('protocol_visit_code_key', ['protocolId', 'code'], { unique: true })
@Check('protocol_visit_offset_non_negative', `"day_offset" >= 0`)
@Check('protocol_visit_window_non_negative', `"window_before_days" >= 0 AND "window_after_days" >= 0`)
@Check('protocol_visit_mode_valid', `"mode" IN ('clinic', 'remote')`)
export class ProtocolVisitEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'protocol_visit_pkey' })
  id: string;

  @Column({ name: 'protocol_id', type: 'uuid' })
  protocolId: string;

  @ManyToOne(() => ProtocolEntity, (protocol) => protocol.visits, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'protocol_id', foreignKeyConstraintName: 'protocol_visit_protocol_fk' })
  protocol?: Relation<ProtocolEntity>;

  @Column({ type: 'text' })
  code: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ name: 'day_offset', type: 'integer' })
  dayOffset: number;

  @Column({ name: 'window_before_days', type: 'integer' })
  windowBeforeDays: number;

  @Column({ name: 'window_after_days', type: 'integer' })
  windowAfterDays: number;

  @Column({ type: 'text' })
  mode: VisitMode;

  @Column({ type: 'text', array: true })
  assessments: AssessmentType[];
}
