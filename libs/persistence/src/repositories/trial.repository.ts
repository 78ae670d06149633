import { Injectable } from '@nestjs/common';
import type { TrialStatus } from '@registry/domain';
import { TrialCriteriaVersionEntity, TrialEntity } from '../entities/trial.entity';
import { TrialSiteProposalEntity, TrialSiteProposalState } from '../entities/trial-site-proposal.entity';
import type { Tx } from './transactions';

/**
 * Which trials a list holds: every trial, a sponsor organisation's, or those that sites take part in. The
 * service decides which applies to a caller; the repository only knows how to ask for it.
 */
export type TrialScope =
  { kind: 'all' } | { kind: 'sponsor'; organisationId: string | null } | { kind: 'sites'; siteIds: string[] };

/** Which proposals a list holds: those to the given sites (or to every site), optionally in one state. */
export interface ProposalFilter {
  siteIds: string[] | 'all';
  state?: TrialSiteProposalState;
}

export interface NewTrial {
  sponsorOrganisationId: string;
  title: string;
  registryNumber: string;
  phase: string;
  status: TrialStatus;
  targetEnrolment: number;
}

export interface NewCriteriaVersion {
  trialId: string;
  version: number;
  document: Record<string, unknown>;
  createdBy: string;
}

export interface SiteDecisionRecord {
  state: TrialSiteProposalState;
  decidedBy: string | null;
  decidedAt: Date | null;
}

/** Trials with their versions of criteria, the sites taking part, and the sponsors' proposals to sites. */
@Injectable()
export class TrialRepository {
  /** Trials in scope with their sites and proposals, by title. */
  list(tx: Tx, scope: TrialScope): Promise<TrialEntity[]> {
    const query = tx
      .getRepository(TrialEntity)
      .createQueryBuilder('trial')
      .leftJoinAndSelect('trial.sites', 'site')
      .leftJoinAndSelect('trial.siteProposals', 'proposal');
    if (scope.kind === 'sponsor')
      query.where('trial.sponsor_organisation_id = :org', { org: scope.organisationId });
    if (scope.kind === 'sites') {
      query.where('trial.id IN (SELECT trial_id FROM trial_site WHERE site_id = ANY(:sites::uuid[]))', {
        sites: scope.siteIds,
      });
    }
    return query.orderBy('trial.title', 'ASC').getMany();
  }

  /**
   * One trial with its sites and proposals, or null; its row stays locked until the transaction ends, so
   * that changes of its status, criteria version and sites are serialised.
   */
  findForUpdate(tx: Tx, trialId: string): Promise<TrialEntity | null> {
    return tx.findOne(TrialEntity, {
      where: { id: trialId },
      relations: { sites: true, siteProposals: true },
      lock: { mode: 'pessimistic_write', tables: ['trial'] },
    });
  }

  /** One trial with its sites, unlocked (a long read such as a pool must not hold up changes to the trial). */
  findWithSites(tx: Tx, trialId: string): Promise<TrialEntity | null> {
    return tx.findOne(TrialEntity, { where: { id: trialId }, relations: { sites: true } });
  }

  /** Stores a trial that no site takes part in yet (sites join by accepting a proposal). */
  insert(tx: Tx, trial: NewTrial): Promise<TrialEntity> {
    return tx.save(tx.create(TrialEntity, { ...trial, criteriaVersion: 1, sites: [] }));
  }

  /** Saves the changed fields of a trial read with `findForUpdate`. */
  saveChanges(tx: Tx, trial: TrialEntity): Promise<TrialEntity> {
    return tx.save(trial);
  }

  /** Points the trial at the criteria version in force. */
  async setCriteriaVersion(tx: Tx, trialId: string, version: number): Promise<void> {
    await tx.update(TrialEntity, trialId, { criteriaVersion: version });
  }

  /** The criteria document of a version that must exist (the one a trial or a determination names). */
  async criteriaDocument(tx: Tx, trialId: string, version: number): Promise<Record<string, unknown>> {
    const stored = await tx.findOneByOrFail(TrialCriteriaVersionEntity, { trialId, version });
    return stored.document;
  }

  insertCriteriaVersion(tx: Tx, version: NewCriteriaVersion): Promise<TrialCriteriaVersionEntity> {
    return tx.save(tx.create(TrialCriteriaVersionEntity, version));
  }

  /** Proposes the trial to each site, in the order given; returns the stored proposals. */
  proposeToSites(
    tx: Tx,
    trialId: string,
    siteIds: readonly string[],
    proposedBy: string,
  ): Promise<TrialSiteProposalEntity[]> {
    return tx.save(
      siteIds.map((siteId) =>
        tx.create(TrialSiteProposalEntity, { trialId, siteId, state: 'proposed', proposedBy }),
      ),
    );
  }

  /** Proposals with their trial, newest first. */
  listProposals(tx: Tx, filter: ProposalFilter): Promise<TrialSiteProposalEntity[]> {
    const query = tx
      .getRepository(TrialSiteProposalEntity)
      .createQueryBuilder('proposal')
      .innerJoinAndSelect('proposal.trial', 'trial');
    if (filter.siteIds !== 'all')
      query.andWhere('proposal.site_id = ANY(:sites::uuid[])', { sites: filter.siteIds });
    if (filter.state) query.andWhere('proposal.state = :state', { state: filter.state });
    return query.orderBy('proposal.proposed_at', 'DESC').addOrderBy('proposal.id', 'ASC').getMany();
  }

  /**
   * The proposal of a trial to a site with its trial, or null; the proposal stays locked until the
   * transaction ends, so that two deciders cannot both decide it.
   */
  findProposalForUpdate(tx: Tx, trialId: string, siteId: string): Promise<TrialSiteProposalEntity | null> {
    return tx.findOne(TrialSiteProposalEntity, {
      where: { trialId, siteId },
      relations: { trial: true },
      lock: { mode: 'pessimistic_write', tables: ['trial_site_proposal'] },
    });
  }

  async recordDecision(tx: Tx, proposalId: string, decision: SiteDecisionRecord): Promise<void> {
    await tx.update(TrialSiteProposalEntity, proposalId, {
      state: decision.state,
      decidedBy: decision.decidedBy,
      decidedAt: decision.decidedAt,
    });
  }

  /** The site takes part in the trial: screening reads `trial_site`, so its participants are judged from now. */
  async addSite(tx: Tx, trialId: string, siteId: string): Promise<void> {
    await tx.query(`INSERT INTO trial_site (trial_id, site_id) VALUES ($1, $2)`, [trialId, siteId]);
  }
}
