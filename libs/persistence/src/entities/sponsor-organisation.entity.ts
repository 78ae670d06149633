import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A company or academic group that runs trials; its users see only its own trials and aggregates. */
@Entity({ name: 'sponsor_organisation' })
@Index('sponsor_organisation_name_key', ['name'], { unique: true })
export class SponsorOrganisationEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'sponsor_organisation_pkey' })
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'boolean', default: true })
  active: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
