import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

/** A clinical site. Its code is part of every registry id minted there (e.g. TKY-000123-K). */
@Entity({ name: 'site' })
@Index('site_code_key', ['code'], { unique: true })
@Check('site_code_format', `"code" ~ '^[A-Z]{2,5}$'`)
@Check('site_country_format', `"country" ~ '^[A-Z]{2}$'`)
export class SiteEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'site_pkey' })
  id: string;

  @Column({ type: 'text' })
  code: string;

  @Column({ type: 'text' })
  name: string;

  /** ISO 3166-1 alpha-2. */
  @Column({ type: 'text' })
  country: string;

  /** IANA zone (e.g. Asia/Tokyo): visit windows and reminders are computed in it. */
  @Column({ name: 'time_zone', type: 'text' })
  timeZone: string;

  @Column({ type: 'boolean', default: true })
  active: boolean;

  /** The last sequence number used in this site's registry ids; bumped under a row lock at enrolment. */
  @Column({ name: 'last_registry_sequence', type: 'integer', default: 0 })
  lastRegistrySequence: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
