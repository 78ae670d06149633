import type {
  NewCriteriaVersion,
  NewTrial,
  ProposalFilter,
  SiteDecisionRecord,
  SiteEntity,
  TrialCriteriaVersionEntity,
  TrialEntity,
  TrialRepository,
  TrialScope,
  TrialSiteProposalEntity,
  Tx,
} from '@registry/persistence';
import { fakeId, Public } from './public';

type StoredTrial = Omit<TrialEntity, 'sites' | 'siteProposals'>;

/** A site as a trial's `sites` relation loads it: only its id matters to the services. */
function siteRow(id: string): SiteEntity {
  return {
    id,
    code: 'SITE',
    name: `Site ${id}`,
    country: 'JP',
    timeZone: 'Asia/Tokyo',
    active: true,
    lastRegistrySequence: 0,
    createdAt: new Date(0),
    updatedAt: new Date(0),
  };
}

/**
 * Trials, criteria versions, proposals and the sites taking part, in memory. Reads hand out copies, as the
 * database does, so a service that changes an entity it read has stored nothing until it saves it; the
 * unique keys of criteria versions, proposals and trial sites refuse a second row as PostgreSQL would.
 */
export class FakeTrialRepository implements Public<TrialRepository> {
  readonly trials = new Map<string, StoredTrial>();
  readonly versions: TrialCriteriaVersionEntity[] = [];
  readonly proposals: TrialSiteProposalEntity[] = [];
  readonly trialSites: { trialId: string; siteId: string }[] = [];
  /** Trial and proposal ids read for update, in order: a writer must lock what it decides on. */
  readonly locked: string[] = [];
  /** Proposals are stamped with a rising time, so that "newest first" has a meaning. */
  private proposedAt = Date.parse('2026-11-01T09:00:00Z');

  list(_tx: Tx, scope: TrialScope): Promise<TrialEntity[]> {
    const inScope = [...this.trials.values()].filter((trial) => {
      if (scope.kind === 'sponsor') return trial.sponsorOrganisationId === scope.organisationId;
      if (scope.kind === 'sites') return this.siteIdsOf(trial.id).some((id) => scope.siteIds.includes(id));
      return true;
    });
    return Promise.resolve(
      inScope.sort((a, b) => a.title.localeCompare(b.title)).map((trial) => this.loaded(trial)),
    );
  }

  findForUpdate(_tx: Tx, trialId: string): Promise<TrialEntity | null> {
    const trial = this.trials.get(trialId);
    if (trial) this.locked.push(trialId);
    return Promise.resolve(trial ? this.loaded(trial) : null);
  }

  findWithSites(_tx: Tx, trialId: string): Promise<TrialEntity | null> {
    const trial = this.trials.get(trialId);
    return Promise.resolve(trial ? this.loaded(trial) : null);
  }

  insert(_tx: Tx, trial: NewTrial): Promise<TrialEntity> {
    const stored = this.add(trial);
    return Promise.resolve({ ...this.loaded(stored), sites: [], siteProposals: undefined });
  }

  saveChanges(_tx: Tx, trial: TrialEntity): Promise<TrialEntity> {
    const { sites: _sites, siteProposals: _proposals, ...fields } = trial;
    this.trials.set(trial.id, { ...fields });
    return Promise.resolve(trial);
  }

  setCriteriaVersion(_tx: Tx, trialId: string, version: number): Promise<void> {
    const trial = this.trials.get(trialId);
    if (trial) trial.criteriaVersion = version;
    return Promise.resolve();
  }

  criteriaDocument(_tx: Tx, trialId: string, version: number): Promise<Record<string, unknown>> {
    const stored = this.versions.find((v) => v.trialId === trialId && v.version === version);
    return stored
      ? Promise.resolve(stored.document)
      : Promise.reject(new Error(`no criteria version ${version} of trial ${trialId}`));
  }

  insertCriteriaVersion(_tx: Tx, version: NewCriteriaVersion): Promise<TrialCriteriaVersionEntity> {
    if (this.versions.some((v) => v.trialId === version.trialId && v.version === version.version))
      return Promise.reject(new Error('duplicate key value violates "trial_criteria_version_key"'));
    const stored = { id: fakeId(), createdAt: new Date(0), ...version };
    this.versions.push(stored);
    return Promise.resolve({ ...stored });
  }

  proposeToSites(
    _tx: Tx,
    trialId: string,
    siteIds: readonly string[],
    proposedBy: string,
  ): Promise<TrialSiteProposalEntity[]> {
    if (siteIds.some((siteId) => this.proposals.some((p) => p.trialId === trialId && p.siteId === siteId)))
      return Promise.reject(new Error('duplicate key value violates "trial_site_proposal_trial_site_key"'));
    const stored = siteIds.map((siteId) => {
      this.proposedAt += 60_000;
      const proposal: TrialSiteProposalEntity = {
        id: fakeId(),
        trialId,
        siteId,
        state: 'proposed',
        proposedBy,
        proposedAt: new Date(this.proposedAt),
        decidedBy: null,
        decidedAt: null,
      };
      return proposal;
    });
    this.proposals.push(...stored);
    return Promise.resolve(stored.map((proposal) => ({ ...proposal })));
  }

  listProposals(_tx: Tx, filter: ProposalFilter): Promise<TrialSiteProposalEntity[]> {
    const found = this.proposals
      .filter((p) => filter.siteIds === 'all' || filter.siteIds.includes(p.siteId))
      .filter((p) => !filter.state || p.state === filter.state)
      .sort((a, b) => b.proposedAt.getTime() - a.proposedAt.getTime() || a.id.localeCompare(b.id));
    return Promise.resolve(found.map((proposal) => this.withTrial(proposal)));
  }

  findProposalForUpdate(_tx: Tx, trialId: string, siteId: string): Promise<TrialSiteProposalEntity | null> {
    const proposal = this.proposals.find((p) => p.trialId === trialId && p.siteId === siteId);
    if (proposal) this.locked.push(proposal.id);
    return Promise.resolve(proposal ? this.withTrial(proposal) : null);
  }

  recordDecision(_tx: Tx, proposalId: string, decision: SiteDecisionRecord): Promise<void> {
    const proposal = this.proposals.find((p) => p.id === proposalId);
    if (proposal) Object.assign(proposal, decision);
    return Promise.resolve();
  }

  addSite(_tx: Tx, trialId: string, siteId: string): Promise<void> {
    if (this.siteIdsOf(trialId).includes(siteId))
      return Promise.reject(new Error('duplicate key value violates "trial_site_pkey"'));
    this.trialSites.push({ trialId, siteId });
    return Promise.resolve();
  }

  /** Stores a trial with plausible defaults for what the test does not care about. */
  add(fields: Partial<StoredTrial> & { sponsorOrganisationId: string }): StoredTrial {
    const trial: StoredTrial = {
      id: fakeId(),
      title: 'AHEAD 3-45, A45 arm',
      registryNumber: 'NCT04468659',
      phase: '3',
      status: 'draft',
      targetEnrolment: 1400,
      criteriaVersion: 1,
      createdAt: new Date(0),
      updatedAt: new Date(0),
      ...fields,
    };
    this.trials.set(trial.id, trial);
    return trial;
  }

  siteIdsOf(trialId: string): string[] {
    return this.trialSites.filter((row) => row.trialId === trialId).map((row) => row.siteId);
  }

  private loaded(trial: StoredTrial): TrialEntity {
    return {
      ...trial,
      sites: this.siteIdsOf(trial.id).map(siteRow),
      siteProposals: this.proposals.filter((p) => p.trialId === trial.id).map((p) => ({ ...p })),
    };
  }

  private withTrial(proposal: TrialSiteProposalEntity): TrialSiteProposalEntity {
    return { ...proposal, trial: { ...this.trials.get(proposal.trialId)! } };
  }
}
