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
import { SiteEntity } from './site.entity';
import { UserEntity } from './user.entity';

const KINDS = `('visit_window_opens_soon', 'visit_window_open', 'visit_window_closes_soon', 'visit_missed', 'result_expiring', 'eligible_flag', 'one_test_away_flag', 'email_bouncing')`;

/**
 * One site's reminders for one calendar day at the site: completed once every reminder of the day has been
 * written. A run killed half-way leaves it open, and the next tick runs the day again (writing nothing twice).
 */
@Entity({ name: 'site_reminder_day' })
@Index('site_reminder_day_key', ['siteId', 'forDate'], { unique: true })
@Check('site_reminder_day_counts', `"visits_missed" >= 0 AND "reminders" >= 0`)
export class SiteReminderDayEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'site_reminder_day_pkey' })
  id: string;

  @Column({ name: 'site_id', type: 'uuid' })
  siteId: string;

  @ManyToOne(() => SiteEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'site_id', foreignKeyConstraintName: 'site_reminder_day_site_fk' })
  site?: Relation<SiteEntity>;

  @Column({ name: 'for_date', type: 'date' })
  forDate: string;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt: Date | null;

  /** Visits marked missed by this day's run. */
  @Column({ name: 'visits_missed', type: 'integer', default: 0 })
  visitsMissed: number;

  /** Reminders this day's run created (not those an earlier, interrupted run of the day had). */
  @Column({ type: 'integer', default: 0 })
  reminders: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/**
 * What was reminded of: unique per subject (a visit, a result for a trial, a flag, an address), kind and
 * day. The key behind "exactly once": re-running a day, a retry or two workers insert nothing twice.
 */
@Entity({ name: 'reminder' })
@Index('reminder_key', ['subjectKey', 'kind', 'aboutDay'], { unique: true })
@Index('reminder_site_day_idx', ['siteId', 'sentOn'])
@Check('reminder_kind_valid', `"kind" IN ${KINDS}`)
export class ReminderEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'reminder_pkey' })
  id: string;

  @Column({ name: 'site_id', type: 'uuid', nullable: true })
  siteId: string | null;

  @ManyToOne(() => SiteEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'site_id', foreignKeyConstraintName: 'reminder_site_fk' })
  site?: Relation<SiteEntity>;

  @Column({ name: 'participant_id', type: 'text', nullable: true })
  participantId: string | null;

  @ManyToOne(() => ParticipantEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'participant_id', foreignKeyConstraintName: 'reminder_participant_fk' })
  participant?: Relation<ParticipantEntity>;

  @Column({ type: 'text' })
  kind: string;

  /** `visit:<id>`, `result:<participant>:<trial>:<test>:<result day>`, `flag:<id>` or `email:<user id>`. */
  @Column({ name: 'subject_key', type: 'text' })
  subjectKey: string;

  /** The day the reminder is about: a window's first or last day, a result's last day, a flag's day. */
  @Column({ name: 'about_day', type: 'date' })
  aboutDay: string;

  /** The calendar day at the site it was created on. */
  @Column({ name: 'sent_on', type: 'date' })
  sentOn: string;

  /** The facts its texts name (registry id, visit code, dates, test, trial): never a name or birth date. */
  @Column({ type: 'jsonb' })
  facts: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** A reminder as one user receives it, in their language: in their inbox, and e-mailed. */
@Entity({ name: 'notification' })
@Index('notification_reminder_recipient_key', ['reminderId', 'recipientId'], { unique: true })
@Index('notification_recipient_idx', ['recipientId', 'createdAt'])
@Index('notification_email_pending_idx', ['recipientId'], { where: `"email" = 'pending'` })
@Check('notification_kind_valid', `"kind" IN ${KINDS}`)
@Check('notification_language_valid', `"language" IN ('ja', 'en')`)
@Check('notification_email_valid', `"email" IN ('pending', 'sent', 'failed', 'not_sent')`)
@Check('notification_emailed_at', `("email" = 'sent') = ("emailed_at" IS NOT NULL)`)
export class NotificationEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'notification_pkey' })
  id: string;

  @Column({ name: 'recipient_id', type: 'uuid' })
  recipientId: string;

  @ManyToOne(() => UserEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'recipient_id', foreignKeyConstraintName: 'notification_recipient_fk' })
  recipient?: Relation<UserEntity>;

  @Column({ name: 'reminder_id', type: 'uuid' })
  reminderId: string;

  @ManyToOne(() => ReminderEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'reminder_id', foreignKeyConstraintName: 'notification_reminder_fk' })
  reminder?: Relation<ReminderEntity>;

  @Column({ type: 'text' })
  kind: string;

  @Column({ type: 'text' })
  language: string;

  @Column({ type: 'text' })
  subject: string;

  @Column({ type: 'text' })
  body: string;

  /** The participant's registry id (the participant's key), or null for notices about no participant. */
  @Column({ name: 'participant_id', type: 'text', nullable: true })
  participantId: string | null;

  @ManyToOne(() => ParticipantEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'participant_id', foreignKeyConstraintName: 'notification_participant_fk' })
  participant?: Relation<ParticipantEntity>;

  @Column({ name: 'site_id', type: 'uuid', nullable: true })
  siteId: string | null;

  @ManyToOne(() => SiteEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'site_id', foreignKeyConstraintName: 'notification_site_fk' })
  site?: Relation<SiteEntity>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'read_at', type: 'timestamptz', nullable: true })
  readAt: Date | null;

  /** pending: to be e-mailed (at once or in the digest); sent; failed: gave up (still in the inbox); not_sent: e-mail off. */
  @Column({ type: 'text', default: 'pending' })
  email: string;

  @Column({ name: 'emailed_at', type: 'timestamptz', nullable: true })
  emailedAt: Date | null;
}
