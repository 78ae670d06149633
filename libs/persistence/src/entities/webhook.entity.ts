import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
} from 'typeorm';
import type { Relation } from 'typeorm';
import { SponsorOrganisationEntity } from './sponsor-organisation.entity';
import { TrialEntity } from './trial.entity';

export const WEBHOOK_DELIVERY_STATES = ['pending', 'delivered', 'failed'] as const;
export type WebhookDeliveryState = (typeof WEBHOOK_DELIVERY_STATES)[number];

/**
 * An https endpoint a sponsor organisation registered, with the event types it takes. The signing secret is
 * stored encrypted under WEBHOOK_SECRET_KEY (the registry must sign with it, so it cannot be hashed); during a
 * rotation's overlap the previous secret signs too, until `previous_secret_expires_at`.
 */
@Entity({ name: 'webhook_endpoint' })
@Index('webhook_endpoint_organisation_idx', ['sponsorOrganisationId'])
@Check(
  'webhook_endpoint_event_types_valid',
  `cardinality("event_types") > 0 AND "event_types" <@ ARRAY['screening_run.finished', 'trial.pool_changed', 'referral.outcome']::text[]`,
)
@Check(
  'webhook_endpoint_previous_secret_expires',
  `("previous_secret_ciphertext" IS NULL) = ("previous_secret_expires_at" IS NULL)`,
)
export class WebhookEndpointEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'webhook_endpoint_pkey' })
  id: string;

  @Column({ name: 'sponsor_organisation_id', type: 'uuid' })
  sponsorOrganisationId: string;

  @ManyToOne(() => SponsorOrganisationEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({
    name: 'sponsor_organisation_id',
    foreignKeyConstraintName: 'webhook_endpoint_organisation_fk',
  })
  sponsorOrganisation?: Relation<SponsorOrganisationEntity>;

  @Column({ type: 'text' })
  url: string;

  @Column({ name: 'event_types', type: 'text', array: true })
  eventTypes: string[];

  @Column({ name: 'secret_ciphertext', type: 'text' })
  secretCiphertext: string;

  @Column({ name: 'previous_secret_ciphertext', type: 'text', nullable: true })
  previousSecretCiphertext: string | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt: Date | null;

  @Column({ name: 'created_by', type: 'uuid' })
  createdBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** Set when the organisation removes the endpoint: its log stays, nothing more is sent. */
  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt: Date | null;
}

/**
 * One message to one endpoint. The body is stored exactly as signed and sent, so that every retry and a
 * replay send the same bytes under the same message id (`event_id`). Deliveries of one organisation are sent
 * in `sequence` order, one at a time: a later one waits while an earlier one is being retried.
 */
@Entity({ name: 'webhook_delivery' })
@Index('webhook_delivery_endpoint_event_key', ['endpointId', 'eventId'], {
  unique: true,
  where: '"replay_of" IS NULL',
})
@Index('webhook_delivery_pending_idx', ['sponsorOrganisationId', 'sequence'], {
  where: `"state" = 'pending'`,
})
@Index('webhook_delivery_log_idx', ['sponsorOrganisationId', 'createdAt'])
@Check('webhook_delivery_state_valid', `"state" IN ('pending', 'delivered', 'failed')`)
@Check('webhook_delivery_attempts_valid', `"attempts" >= 0`)
@Check('webhook_delivery_delivered_at', `("state" = 'delivered') = ("delivered_at" IS NOT NULL)`)
export class WebhookDeliveryEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'webhook_delivery_pkey' })
  id: string;

  @Column({ type: 'bigint', generated: 'increment' })
  sequence: string;

  @Column({ name: 'endpoint_id', type: 'uuid' })
  endpointId: string;

  @ManyToOne(() => WebhookEndpointEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'endpoint_id', foreignKeyConstraintName: 'webhook_delivery_endpoint_fk' })
  endpoint?: Relation<WebhookEndpointEntity>;

  @Column({ name: 'sponsor_organisation_id', type: 'uuid' })
  sponsorOrganisationId: string;

  @ManyToOne(() => SponsorOrganisationEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({
    name: 'sponsor_organisation_id',
    foreignKeyConstraintName: 'webhook_delivery_organisation_fk',
  })
  sponsorOrganisation?: Relation<SponsorOrganisationEntity>;

  @Column({ name: 'event_type', type: 'text' })
  eventType: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId: string;

  @Column({ type: 'text' })
  body: string;

  @Column({ type: 'text' })
  state: WebhookDeliveryState;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz' })
  nextAttemptAt: Date;

  @Column({ name: 'last_attempt_at', type: 'timestamptz', nullable: true })
  lastAttemptAt: Date | null;

  @Column({ name: 'last_response_status', type: 'integer', nullable: true })
  lastResponseStatus: number | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt: Date | null;

  /** A replay asked for by the organisation: a new delivery of the same message (same event id and body). */
  @Column({ name: 'replay_of', type: 'uuid', nullable: true })
  replayOf: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/**
 * What was last reported to a trial's sponsor organisation by a daily report event (a trial's published pool,
 * its referral funnel): the report day it was last checked, and a SHA-256 of the published figures then. The
 * next day's check sends an event only if the figures differ; the row lock taken for the check keeps two
 * workers from both sending one.
 */
@Entity({ name: 'webhook_report' })
@Check('webhook_report_event_type_valid', `"event_type" IN ('trial.pool_changed', 'referral.outcome')`)
@Check('webhook_report_fingerprint_sha256', `"fingerprint" ~ '^[0-9a-f]{64}$'`)
export class WebhookReportEntity {
  @PrimaryColumn({ name: 'trial_id', type: 'uuid', primaryKeyConstraintName: 'webhook_report_pkey' })
  trialId: string;

  @ManyToOne(() => TrialEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'trial_id', foreignKeyConstraintName: 'webhook_report_trial_fk' })
  trial?: Relation<TrialEntity>;

  @PrimaryColumn({ name: 'event_type', type: 'text', primaryKeyConstraintName: 'webhook_report_pkey' })
  eventType: string;

  /** The report day (see `webhookReportDay`) of the last check. */
  @Column({ name: 'checked_on', type: 'date' })
  checkedOn: string;

  @Column({ type: 'text' })
  fingerprint: string;

  /** When an event last went out (its figures are those fingerprinted). */
  @Column({ name: 'reported_at', type: 'timestamptz' })
  reportedAt: Date;
}
