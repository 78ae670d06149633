import { ConsentScope } from '@registry/domain';
import {
  Check,
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

const SCOPES_CHECK = (column: string) =>
  `"${column}" <@ ARRAY['registry_follow_up', 'biomarker_sampling', 'amyloid_result_disclosure', 'apoe_disclosure', 'recontact_for_trials', 'sponsor_data_sharing', 'cross_border_transfer']::text[] AND cardinality("${column}") > 0`;

/** A version of a consent form, with the scopes that signing it grants. */
@Entity({ name: 'consent_document' })
@Index('consent_document_version_key', ['title', 'version', 'language'], { unique: true })
@Check('consent_document_scopes_valid', SCOPES_CHECK('scopes'))
export class ConsentDocumentEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'consent_document_pkey' })
  id: string;

  @Column({ type: 'text' })
  title: string;

  @Column({ type: 'text' })
  version: string;

  /** BCP 47, e.g. ja, en-US. */
  @Column({ type: 'text' })
  language: string;

  @Column({ name: 'effective_date', type: 'date' })
  effectiveDate: string;

  @Column({ type: 'text', array: true })
  scopes: ConsentScope[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** A participant's signature of one consent document version, granting some or all of its scopes. */
@Entity({ name: 'participant_consent' })
@Index('participant_consent_participant_idx', ['participantId'])
@Check('participant_consent_scopes_valid', SCOPES_CHECK('scopes'))
export class ParticipantConsentEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'participant_consent_pkey' })
  id: string;

  @Column({ name: 'participant_id', type: 'text' })
  participantId: string;

  @ManyToOne(() => ParticipantEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'participant_id', foreignKeyConstraintName: 'participant_consent_participant_fk' })
  participant?: Relation<ParticipantEntity>;

  @Column({ name: 'consent_document_id', type: 'uuid' })
  consentDocumentId: string;

  @ManyToOne(() => ConsentDocumentEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'consent_document_id', foreignKeyConstraintName: 'participant_consent_document_fk' })
  consentDocument?: Relation<ConsentDocumentEntity>;

  @Column({ name: 'signed_on', type: 'date' })
  signedOn: string;

  @Column({ type: 'text', array: true })
  scopes: ConsentScope[];

  @CreateDateColumn({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt: Date;
}

/** The withdrawal of one scope of one consent; collected data is kept and stays marked by this row. */
@Entity({ name: 'consent_withdrawal' })
@Index('consent_withdrawal_scope_key', ['participantConsentId', 'scope'], { unique: true })
@Check(
  'consent_withdrawal_scope_valid',
  `"scope" IN ('registry_follow_up', 'biomarker_sampling', 'amyloid_result_disclosure', 'apoe_disclosure', 'recontact_for_trials', 'sponsor_data_sharing', 'cross_border_transfer')`,
)
export class ConsentWithdrawalEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'consent_withdrawal_pkey' })
  id: string;

  @Column({ name: 'participant_consent_id', type: 'uuid' })
  participantConsentId: string;

  @ManyToOne(() => ParticipantConsentEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'participant_consent_id', foreignKeyConstraintName: 'consent_withdrawal_consent_fk' })
  consent?: Relation<ParticipantConsentEntity>;

  @Column({ type: 'text' })
  scope: ConsentScope;

  @Column({ name: 'withdrawn_on', type: 'date' })
  withdrawnOn: string;

  @Column({ type: 'text' })
  reason: string;

  @CreateDateColumn({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt: Date;
}
