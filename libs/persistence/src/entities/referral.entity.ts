import type { ReferralContactState, ScreenFailReason } from '@registry/domain';
import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { Relation } from 'typeorm';
import { ParticipantEntity } from './participant.entity';
import { SiteEntity } from './site.entity';
import { TrialEntity } from './trial.entity';

const CONTACT_STATES = `'to_contact', 'not_reached', 'declined', 'interested', 'prescreen_booked', 'screen_failed', 'randomised'`;
const OPEN_STATES = `'to_contact', 'interested', 'prescreen_booked'`;
const SCREEN_FAIL_REASONS = `'amyloid_not_eligible', 'cognition_not_eligible', 'mri_exclusion', 'medical_history', 'no_study_partner', 'other'`;

/**
 * A sponsor's request for referrals to a recruiting trial at one of its sites: how many people, by when. One
 * open request per trial and site; it closes when the trial closes.
 */
@Entity({ name: 'referral_request' })
@Index('referral_request_open_key', ['trialId', 'siteId'], { unique: true, where: '"closed_at" IS NULL' })
@Index('referral_request_site_idx', ['siteId', 'createdAt'])
@Check('referral_request_count_positive', `"requested_count" > 0`)
@Check('referral_request_close_reason', `("closed_at" IS NULL) = ("close_reason" IS NULL)`)
export class ReferralRequestEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'referral_request_pkey' })
  id: string;

  @Column({ name: 'trial_id', type: 'uuid' })
  trialId: string;

  @ManyToOne(() => TrialEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'trial_id', foreignKeyConstraintName: 'referral_request_trial_fk' })
  trial?: Relation<TrialEntity>;

  @Column({ name: 'site_id', type: 'uuid' })
  siteId: string;

  @ManyToOne(() => SiteEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'site_id', foreignKeyConstraintName: 'referral_request_site_fk' })
  site?: Relation<SiteEntity>;

  @Column({ name: 'requested_count', type: 'integer' })
  requestedCount: number;

  /** The calendar day (at the site) by which the sponsor would like the referrals. */
  @Column({ name: 'due_on', type: 'date' })
  dueOn: string;

  @Column({ name: 'requested_by', type: 'uuid' })
  requestedBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true })
  closedAt: Date | null;

  @Column({ name: 'close_reason', type: 'text', nullable: true })
  closeReason: string | null;
}

/**
 * One participant contacted for a referral request, and where that stands (the domain's
 * ReferralContactState). At most one open referral per person (`referral_contact_open_key`): the registry's
 * trials exclude each other (`trialsExcludeEachOther`). A decline keeps new flags of the trial back until
 * `flags_suppressed_until` (a site calendar day).
 */
@Entity({ name: 'referral_contact' })
@Index('referral_contact_open_key', ['participantId'], {
  unique: true,
  where: `"closed_at" IS NULL AND "state" IN (${OPEN_STATES})`,
})
@Index('referral_contact_request_idx', ['requestId', 'state'])
@Index('referral_contact_participant_trial_idx', ['participantId', 'trialId'])
@Check('referral_contact_state_valid', `"state" IN (${CONTACT_STATES})`)
@Check('referral_contact_screen_fail_reason_valid', `"screen_fail_reason" IN (${SCREEN_FAIL_REASONS})`)
@Check(
  'referral_contact_screen_fail_has_reason',
  `("state" = 'screen_failed') = ("screen_fail_reason" IS NOT NULL)`,
)
@Check('referral_contact_close_reason', `("closed_at" IS NULL) = ("close_reason" IS NULL)`)
@Check('referral_contact_booked_was_interested', `"booked_at" IS NULL OR "interested_at" IS NOT NULL`)
export class ReferralContactEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'referral_contact_pkey' })
  id: string;

  @Column({ name: 'request_id', type: 'uuid' })
  requestId: string;

  @ManyToOne(() => ReferralRequestEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'request_id', foreignKeyConstraintName: 'referral_contact_request_fk' })
  request?: Relation<ReferralRequestEntity>;

  /** The request's trial, kept here for the per-person checks. */
  @Column({ name: 'trial_id', type: 'uuid' })
  trialId: string;

  @ManyToOne(() => TrialEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'trial_id', foreignKeyConstraintName: 'referral_contact_trial_fk' })
  trial?: Relation<TrialEntity>;

  @Column({ name: 'participant_id', type: 'text' })
  participantId: string;

  @ManyToOne(() => ParticipantEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'participant_id', foreignKeyConstraintName: 'referral_contact_participant_fk' })
  participant?: Relation<ParticipantEntity>;

  @Column({ type: 'text' })
  state: ReferralContactState;

  /** The coded reason of a screen failure, the one a sponsor's funnel counts. */
  @Column({ name: 'screen_fail_reason', type: 'text', nullable: true })
  screenFailReason: ScreenFailReason | null;

  /** The coordinator's note on the last transition (a decline's reason); never shown to a sponsor. */
  @Column({ type: 'text', nullable: true })
  note: string | null;

  /** When the participant was first flagged eligible for the trial, as the contact began (recruitment speed). */
  @Column({ name: 'eligible_since', type: 'timestamptz', nullable: true })
  eligibleSince: Date | null;

  @Column({ name: 'interested_at', type: 'timestamptz', nullable: true })
  interestedAt: Date | null;

  @Column({ name: 'booked_at', type: 'timestamptz', nullable: true })
  bookedAt: Date | null;

  /** The site calendar day of randomisation. */
  @Column({ name: 'randomised_on', type: 'date', nullable: true })
  randomisedOn: string | null;

  /** After a decline: the first site calendar day on which a flag of the trial may be raised again. */
  @Column({ name: 'flags_suppressed_until', type: 'date', nullable: true })
  flagsSuppressedUntil: string | null;

  @Column({ name: 'created_by', type: 'uuid' })
  createdBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  /** Set when the referral was ended from outside (its trial closed) while still open. */
  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true })
  closedAt: Date | null;

  @Column({ name: 'close_reason', type: 'text', nullable: true })
  closeReason: string | null;
}

/**
 * A participant's commitment to a trial they were randomised into: screening reads these as the profile's
 * `trialCommitments` ("not in another trial"). One per participant and trial; one per randomised referral.
 */
@Entity({ name: 'trial_commitment' })
@Index('trial_commitment_participant_trial_key', ['participantId', 'trialId'], { unique: true })
@Index('trial_commitment_contact_key', ['referralContactId'], { unique: true })
export class TrialCommitmentEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'trial_commitment_pkey' })
  id: string;

  @Column({ name: 'participant_id', type: 'text' })
  participantId: string;

  @ManyToOne(() => ParticipantEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'participant_id', foreignKeyConstraintName: 'trial_commitment_participant_fk' })
  participant?: Relation<ParticipantEntity>;

  @Column({ name: 'trial_id', type: 'uuid' })
  trialId: string;

  @ManyToOne(() => TrialEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'trial_id', foreignKeyConstraintName: 'trial_commitment_trial_fk' })
  trial?: Relation<TrialEntity>;

  @Column({ name: 'referral_contact_id', type: 'uuid' })
  referralContactId: string;

  @ManyToOne(() => ReferralContactEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'referral_contact_id', foreignKeyConstraintName: 'trial_commitment_contact_fk' })
  referralContact?: Relation<ReferralContactEntity>;

  /** The site calendar day of randomisation. */
  @Column({ name: 'committed_on', type: 'date' })
  committedOn: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
