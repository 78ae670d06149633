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
import { SiteEntity } from './site.entity';
import { TrialEntity } from './trial.entity';

export const TRIAL_SITE_PROPOSAL_STATES = ['proposed', 'accepted', 'declined'] as const;
export type TrialSiteProposalState = (typeof TRIAL_SITE_PROPOSAL_STATES)[number];

/**
 * A sponsor's request that a site take part in its trial. The site joins (a `trial_site` row, which is what
 * screening reads) only when an admin or a coordinator of that site accepts; until then the sponsor cannot
 * direct flags to the site's coordinators. One proposal per trial and site; a decision is final.
 */
@Entity({ name: 'trial_site_proposal' })
@Index('trial_site_proposal_trial_site_key', ['trialId', 'siteId'], { unique: true })
@Index('trial_site_proposal_site_idx', ['siteId'])
@Check('trial_site_proposal_state_valid', `"state" IN ('proposed', 'accepted', 'declined')`)
@Check('trial_site_proposal_decided', `("state" = 'proposed') = ("decided_at" IS NULL)`)
export class TrialSiteProposalEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'trial_site_proposal_pkey' })
  id: string;

  @Column({ name: 'trial_id', type: 'uuid' })
  trialId: string;

  @ManyToOne(() => TrialEntity, (trial) => trial.siteProposals, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'trial_id', foreignKeyConstraintName: 'trial_site_proposal_trial_fk' })
  trial?: Relation<TrialEntity>;

  @Column({ name: 'site_id', type: 'uuid' })
  siteId: string;

  @ManyToOne(() => SiteEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'site_id', foreignKeyConstraintName: 'trial_site_proposal_site_fk' })
  site?: Relation<SiteEntity>;

  @Column({ type: 'text' })
  state: TrialSiteProposalState;

  @Column({ name: 'proposed_by', type: 'uuid' })
  proposedBy: string;

  @CreateDateColumn({ name: 'proposed_at', type: 'timestamptz' })
  proposedAt: Date;

  @Column({ name: 'decided_by', type: 'uuid', nullable: true })
  decidedBy: string | null;

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt: Date | null;
}
