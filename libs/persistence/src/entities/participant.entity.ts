import { AmyloidModality, AmyloidStatus, ParticipantStatus } from '@registry/domain';
import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { Relation } from 'typeorm';
import { ProtocolEntity } from './protocol.entity';
import { SiteEntity } from './site.entity';

export const SEXES = ['female', 'male', 'other', 'not_stated'] as const;
export const APOE_GENOTYPES = ['e2/e2', 'e2/e3', 'e2/e4', 'e3/e3', 'e3/e4', 'e4/e4', 'unknown'] as const;
export const REFERRAL_SOURCES = ['web_study', 'iroop', 'orange_registry', 'site', 'other'] as const;

/**
 * A person in the cohort, known by the pseudonymous registry id (site code, sequence, check character).
 * Only clinical facts used by screening live here; names and contacts are in participant_identity.
 */
@Entity({ name: 'participant' })
@Check('participant_id_format', `"id" ~ '^[A-Z]{2,5}-[0-9]{6}-[0-9A-Z]$'`)
@Check(
  'participant_status_valid',
  `"status" IN ('registered', 'screening', 'enrolled', 'referred', 'in_trial', 'progressed', 'screen_failed', 'withdrawn', 'lost_to_follow_up', 'deceased')`,
)
@Check('participant_sex_valid', `"sex" IN ('female', 'male', 'other', 'not_stated')`)
@Check('participant_education_range', `"education_years" BETWEEN 0 AND 30`)
@Check(
  'participant_apoe_valid',
  `"apoe_genotype" IN ('e2/e2', 'e2/e3', 'e2/e4', 'e3/e3', 'e3/e4', 'e4/e4', 'unknown')`,
)
@Check(
  'participant_family_onset_range',
  `"family_history_onset_age" IS NULL OR "family_history_onset_age" BETWEEN 20 AND 110`,
)
@Check(
  'participant_family_onset_needs_history',
  `"family_history_onset_age" IS NULL OR "family_history" = true`,
)
@Check(
  'participant_referral_source_valid',
  `"referral_source" IN ('web_study', 'iroop', 'orange_registry', 'site', 'other')`,
)
@Check('participant_baseline_with_protocol', `("protocol_id" IS NULL) = ("baseline_date" IS NULL)`)
@Check(
  'participant_amyloid_status_valid',
  `"amyloid_status" IN ('negative', 'intermediate', 'positive', 'unknown')`,
)
@Index('participant_site_idx', ['siteId', 'id'])
@Index('participant_identity_fingerprint_idx', ['identityFingerprint'])
export class ParticipantEntity {
  /** The registry id, e.g. TKY-000123-K. */
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'participant_pkey' })
  id: string;

  @Column({ name: 'site_id', type: 'uuid' })
  siteId: string;

  @ManyToOne(() => SiteEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'site_id', foreignKeyConstraintName: 'participant_site_fk' })
  site?: Relation<SiteEntity>;

  @Column({ type: 'text' })
  status: ParticipantStatus;

  @Column({ name: 'status_effective_date', type: 'date' })
  statusEffectiveDate: string;

  /** For age at an evaluation date; the date as the person gave it is in participant_identity. */
  @Column({ name: 'birth_date', type: 'date' })
  birthDate: string;

  @Column({ type: 'text' })
  sex: (typeof SEXES)[number];

  @Column({ name: 'education_years', type: 'integer' })
  educationYears: number;

  @Column({ name: 'apoe_genotype', type: 'text', default: 'unknown' })
  apoeGenotype: (typeof APOE_GENOTYPES)[number];

  /** A first-degree relative with dementia; null when not known. */
  @Column({ name: 'family_history', type: 'boolean', nullable: true })
  familyHistory: boolean | null;

  @Column({ name: 'family_history_onset_age', type: 'integer', nullable: true })
  familyHistoryOnsetAge: number | null;

  @Column({ name: 'study_partner_available', type: 'boolean' })
  studyPartnerAvailable: boolean;

  @Column({ name: 'referral_source', type: 'text' })
  referralSource: (typeof REFERRAL_SOURCES)[number];

  /** Keyed hash of normalised name and birth date: finds the same person at any site without sharing names. */
  @Column({ name: 'identity_fingerprint', type: 'text' })
  identityFingerprint: string;

  @Column({ name: 'protocol_id', type: 'uuid', nullable: true })
  protocolId: string | null;

  @ManyToOne(() => ProtocolEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'protocol_id', foreignKeyConstraintName: 'participant_protocol_fk' })
  protocol?: Relation<ProtocolEntity>;

  @Column({ name: 'baseline_date', type: 'date', nullable: true })
  baselineDate: string | null;

  /** Derived from the most recent PET, CSF or plasma result; kept current in the same transaction. */
  @Column({ name: 'amyloid_status', type: 'text', default: 'unknown' })
  amyloidStatus: AmyloidStatus;

  @Column({ name: 'amyloid_modality', type: 'text', nullable: true })
  amyloidModality: AmyloidModality | null;

  @Column({ name: 'amyloid_date', type: 'date', nullable: true })
  amyloidDate: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
