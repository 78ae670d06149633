import { Role } from '@registry/domain';
import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  JoinTable,
  ManyToMany,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { Relation } from 'typeorm';
import { SiteEntity } from './site.entity';
import { SponsorOrganisationEntity } from './sponsor-organisation.entity';

@Entity({ name: 'app_user' })
// E-mail addresses are compared without case: the unique index is on lower(email), written in the migration.
@Index('app_user_email_lower_key', { synchronize: false })
@Check('app_user_role_valid', `"role" IN ('admin', 'coordinator', 'sponsor', 'monitor')`)
@Check('app_user_sponsor_has_organisation', `("role" = 'sponsor') = ("sponsor_organisation_id" IS NOT NULL)`)
@Check('app_user_failed_logins_non_negative', `"failed_login_count" >= 0`)
@Check('app_user_language_valid', `"language" IS NULL OR "language" IN ('ja', 'en')`)
@Check('app_user_email_preference_valid', `"email_preference" IN ('daily_digest', 'immediate_flags')`)
@Check('app_user_email_failures_non_negative', `"email_permanent_failures" >= 0`)
export class UserEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'app_user_pkey' })
  id: string;

  @Column({ type: 'text' })
  email: string;

  @Column({ name: 'display_name', type: 'text' })
  displayName: string;

  @Column({ type: 'text' })
  role: Role;

  /** argon2id (PHC string); never leaves the server, never logged, never audited. */
  @Column({ name: 'password_hash', type: 'text' })
  passwordHash: string;

  @Column({ name: 'sponsor_organisation_id', type: 'uuid', nullable: true })
  sponsorOrganisationId: string | null;

  @ManyToOne(() => SponsorOrganisationEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({
    name: 'sponsor_organisation_id',
    foreignKeyConstraintName: 'app_user_sponsor_organisation_fk',
  })
  sponsorOrganisation?: Relation<SponsorOrganisationEntity>;

  /** Sites of a coordinator or monitor. */
  @ManyToMany(() => SiteEntity)
  @JoinTable({
    name: 'user_site',
    joinColumn: {
      name: 'user_id',
      referencedColumnName: 'id',
      foreignKeyConstraintName: 'user_site_user_fk',
    },
    inverseJoinColumn: {
      name: 'site_id',
      referencedColumnName: 'id',
      foreignKeyConstraintName: 'user_site_site_fk',
    },
  })
  sites?: Relation<SiteEntity[]>;

  @Column({ type: 'boolean', default: true })
  active: boolean;

  /** 'ja' or 'en'; null: the language of the user's site (Japanese in Japan, English elsewhere). */
  @Column({ type: 'text', nullable: true })
  language: string | null;

  /** 'daily_digest' (default): one e-mail a day; 'immediate_flags': eligibility flags e-mailed at once too. */
  @Column({ name: 'email_preference', type: 'text', default: 'daily_digest' })
  emailPreference: string;

  /** Permanent e-mail failures since the last delivered e-mail; admins are told past a threshold. */
  @Column({ name: 'email_permanent_failures', type: 'integer', default: 0 })
  emailPermanentFailures: number;

  @Column({ name: 'failed_login_count', type: 'integer', default: 0 })
  failedLoginCount: number;

  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil: Date | null;

  @Column({ name: 'last_login_at', type: 'timestamptz', nullable: true })
  lastLoginAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
