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
  OneToMany,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { Relation } from 'typeorm';
import type { TrialStatus } from '@registry/domain';
import { SiteEntity } from './site.entity';
import { SponsorOrganisationEntity } from './sponsor-organisation.entity';
import { TrialSiteProposalEntity } from './trial-site-proposal.entity';

/** A sponsor's prevention trial; only recruiting trials are screened (the domain's TrialStatus). */
@Entity({ name: 'trial' })
@Index('trial_sponsor_idx', ['sponsorOrganisationId'])
@Check('trial_status_valid', `"status" IN ('draft', 'recruiting', 'paused', 'closed')`)
@Check('trial_registry_number_format', `"registry_number" ~ '^(NCT[0-9]{8}|jRCT[0-9a-z]{8,12})$'`)
@Check('trial_target_enrolment_positive', `"target_enrolment" > 0`)
@Check('trial_criteria_version_positive', `"criteria_version" >= 1`)
export class TrialEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'trial_pkey' })
  id: string;

  @Column({ name: 'sponsor_organisation_id', type: 'uuid' })
  sponsorOrganisationId: string;

  @ManyToOne(() => SponsorOrganisationEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'sponsor_organisation_id', foreignKeyConstraintName: 'trial_sponsor_organisation_fk' })
  sponsorOrganisation?: Relation<SponsorOrganisationEntity>;

  @Column({ type: 'text' })
  title: string;

  /** ClinicalTrials.gov (NCT) or jRCT number. */
  @Column({ name: 'registry_number', type: 'text' })
  registryNumber: string;

  @Column({ type: 'text' })
  phase: string;

  @Column({ type: 'text' })
  status: TrialStatus;

  @Column({ name: 'target_enrolment', type: 'integer' })
  targetEnrolment: number;

  /** The version of trial_criteria_version in force. */
  @Column({ name: 'criteria_version', type: 'integer' })
  criteriaVersion: number;

  @ManyToMany(() => SiteEntity)
  @JoinTable({
    name: 'trial_site',
    joinColumn: {
      name: 'trial_id',
      referencedColumnName: 'id',
      foreignKeyConstraintName: 'trial_site_trial_fk',
    },
    inverseJoinColumn: {
      name: 'site_id',
      referencedColumnName: 'id',
      foreignKeyConstraintName: 'trial_site_site_fk',
    },
  })
  sites?: Relation<SiteEntity[]>;

  /** Sites the sponsor asked for and what each decided; accepted ones are also in `sites`. */
  @OneToMany(() => TrialSiteProposalEntity, (proposal) => proposal.trial)
  siteProposals?: Relation<TrialSiteProposalEntity[]>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

/** Every edit of a trial's criteria is a new version; determinations record the version they used. */
@Entity({ name: 'trial_criteria_version' })
@Index('trial_criteria_version_key', ['trialId', 'version'], { unique: true })
export class TrialCriteriaVersionEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'trial_criteria_version_pkey' })
  id: string;

  @Column({ name: 'trial_id', type: 'uuid' })
  trialId: string;

  @ManyToOne(() => TrialEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'trial_id', foreignKeyConstraintName: 'trial_criteria_version_trial_fk' })
  trial?: Relation<TrialEntity>;

  @Column({ type: 'integer' })
  version: number;

  @Column({ type: 'jsonb' })
  document: Record<string, unknown>;

  @Column({ name: 'created_by', type: 'uuid' })
  createdBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
