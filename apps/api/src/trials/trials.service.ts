import { Injectable } from '@nestjs/common';
import {
  allowedTrialTransitions,
  canTransitionTrial,
  dateInTimeZone,
  participantStatusesWhenReferralClosed,
  publishedProgress,
  Role,
  TRIAL_CLOSED_REASON,
  TrialStatus,
} from '@registry/domain';
import {
  AuditRepository,
  FlagRepository,
  ParticipantRepository,
  ReferralRepository,
  ScreeningRunEntity,
  ScreeningRunRepository,
  SiteRepository,
  TrialEntity,
  TrialRepository,
  TrialScope,
  TrialSiteProposalEntity,
  Transactions,
  Tx,
} from '@registry/persistence';
import type { TrialSiteProposalState } from '@registry/persistence';
import { Clock, DomainError, ErrorKind, notFound } from '@registry/platform';
import { maySeeSite } from '../auth/access-policy';
import type { Actor } from '../auth/actor';
import { checkCriteriaDocument } from '../common/criteria-document';
import { followReferralStatus } from '../referrals/referral-status';
import type { CreateTrialDto, UpdateTrialDto } from './trial.dto';

/** A screening run's progress as the caller may see it: a sponsor sees a share, never a count. */
export type ScreeningRunProgress = Omit<ScreeningRunEntity, 'done' | 'total'> & {
  done: number | null;
  total: number | null;
  progressPercent: number;
};

/** A trial moves only along the domain's transitions; anything else is a 409 naming the allowed ones. */
function checkTrialTransition(from: TrialStatus, to: TrialStatus): void {
  if (canTransitionTrial(from, to)) return;
  const allowed = allowedTrialTransitions(from);
  throw new DomainError(
    ErrorKind.Conflict,
    'trial.transition_not_allowed',
    `A trial cannot go from ${from} to ${to}; allowed: ${allowed.length ? allowed.join(', ') : 'none (final status)'}`,
    undefined,
    { from, to, allowed },
  );
}

/** What an admin or a site may decide about a proposal. */
export type SiteDecision = 'accepted' | 'declined';

/** Sponsors see their organisation's trials; admins all; coordinators and monitors those at their sites. */
function trialScopeOf(actor: Actor): TrialScope {
  if (actor.role === Role.Sponsor) return { kind: 'sponsor', organisationId: actor.sponsorOrganisationId };
  if (actor.role === Role.Coordinator || actor.role === Role.Monitor)
    return { kind: 'sites', siteIds: actor.siteIds };
  return { kind: 'all' };
}

@Injectable()
export class TrialsService {
  constructor(
    private readonly transactions: Transactions,
    private readonly trials: TrialRepository,
    private readonly sites: SiteRepository,
    private readonly flags: FlagRepository,
    private readonly screeningRuns: ScreeningRunRepository,
    private readonly audit: AuditRepository,
    private readonly clock: Clock,
    private readonly referrals: ReferralRepository,
    private readonly participants: ParticipantRepository,
  ) {}

  list(actor: Actor): Promise<TrialEntity[]> {
    return this.transactions.read((tx) => this.trials.list(tx, trialScopeOf(actor)));
  }

  async get(actor: Actor, id: string): Promise<TrialEntity> {
    const trial = (await this.list(actor)).find((candidate) => candidate.id === id);
    if (!trial) throw notFound('Trial');
    return trial;
  }

  criteria(trial: TrialEntity): Promise<Record<string, unknown>> {
    return this.transactions.read((tx) => this.trials.criteriaDocument(tx, trial.id, trial.criteriaVersion));
  }

  async create(actor: Actor, input: CreateTrialDto): Promise<TrialEntity> {
    checkCriteriaDocument(input.criteria);
    return this.transactions.run(async (tx) => {
      const siteIds = await this.sites.activeIdsAmong(tx, input.siteIds);
      if (siteIds.length !== input.siteIds.length) {
        throw new DomainError(
          ErrorKind.InvalidInput,
          'validation_failed',
          'siteIds names an unknown or inactive site',
          [{ field: 'siteIds', constraint: 'exists', message: 'siteIds names an unknown or inactive site' }],
        );
      }
      // A sponsor proposes sites; each joins (and so can receive flags) only once it accepts.
      const trial = await this.trials.insert(tx, {
        sponsorOrganisationId: actor.sponsorOrganisationId!,
        title: input.title,
        registryNumber: input.registryNumber,
        phase: input.phase,
        status: input.status,
        targetEnrolment: input.targetEnrolment,
      });
      trial.siteProposals = await this.trials.proposeToSites(tx, trial.id, siteIds, actor.userId);
      await this.trials.insertCriteriaVersion(tx, {
        trialId: trial.id,
        version: 1,
        document: input.criteria,
        createdBy: actor.userId,
      });
      await this.audit.record(tx, {
        action: 'trial.created',
        entityType: 'trial',
        entityId: trial.id,
        changes: [
          { field: 'title', old: null, new: trial.title },
          { field: 'registryNumber', old: null, new: trial.registryNumber },
          { field: 'status', old: null, new: trial.status },
          { field: 'proposedSiteIds', old: null, new: input.siteIds },
          { field: 'criteria', old: null, new: input.criteria },
        ],
      });
      // No site takes part yet, so there is no one to screen: the first run starts when a site accepts.
      return trial;
    });
  }

  async update(actor: Actor, id: string, input: UpdateTrialDto): Promise<TrialEntity> {
    return this.transactions.run(async (tx) => {
      const trial = await this.ownTrial(tx, actor, id);
      const changes = (['status', 'title', 'targetEnrolment'] as const)
        .filter((field) => input[field] !== undefined && input[field] !== trial[field])
        .map((field) => ({ field, old: trial[field], new: input[field] }));
      if (changes.length === 0) return trial;
      if (input.status !== undefined && input.status !== trial.status)
        checkTrialTransition(trial.status, input.status);
      const wasRecruiting = trial.status === 'recruiting';
      Object.assign(trial, input);
      await this.trials.saveChanges(tx, trial);
      const closing = input.status === TrialStatus.Closed && changes.some((c) => c.field === 'status');
      const flagsClosed = closing ? await this.flags.closeOpenOfTrial(tx, trial.id, TRIAL_CLOSED_REASON) : 0;
      const referralsClosed = closing
        ? await this.referrals.closeOpenOfTrial(tx, trial.id, TRIAL_CLOSED_REASON)
        : { requests: 0, contacts: 0, participantIds: [] };
      // Referred people whose referral the closing ended return to follow-up, each on their site's day.
      for (const participantId of referralsClosed.participantIds) {
        const participant = await this.participants.findById(tx, participantId, true);
        if (!participant) continue;
        const today = dateInTimeZone(this.clock.now(), await this.sites.timeZoneOf(tx, participant.siteId));
        await followReferralStatus(
          tx,
          { participants: this.participants, audit: this.audit },
          participant,
          participantStatusesWhenReferralClosed,
          today,
          `referral closed: ${TRIAL_CLOSED_REASON}`,
        );
      }
      await this.audit.record(tx, {
        action: 'trial.updated',
        entityType: 'trial',
        entityId: trial.id,
        changes: [
          ...changes,
          ...(flagsClosed ? [{ field: 'openFlagsClosed', old: null, new: flagsClosed }] : []),
          ...(referralsClosed.requests
            ? [{ field: 'openReferralRequestsClosed', old: null, new: referralsClosed.requests }]
            : []),
          ...(referralsClosed.contacts
            ? [{ field: 'openReferralsClosed', old: null, new: referralsClosed.contacts }]
            : []),
        ],
      });
      if (!wasRecruiting && trial.status === 'recruiting')
        await this.startRun(tx, trial, 'recruiting_started');
      return trial;
    });
  }

  /** A new criteria version; if the trial recruits, the whole cohort is re-screened against it. */
  async updateCriteria(
    actor: Actor,
    id: string,
    criteria: Record<string, unknown>,
  ): Promise<{ trial: TrialEntity; runId: string | null }> {
    checkCriteriaDocument(criteria);
    return this.transactions.run(async (tx) => {
      const trial = await this.ownTrial(tx, actor, id);
      const previous = await this.trials.criteriaDocument(tx, trial.id, trial.criteriaVersion);
      trial.criteriaVersion += 1;
      await this.trials.insertCriteriaVersion(tx, {
        trialId: trial.id,
        version: trial.criteriaVersion,
        document: criteria,
        createdBy: actor.userId,
      });
      await this.trials.setCriteriaVersion(tx, trial.id, trial.criteriaVersion);
      await this.audit.record(tx, {
        action: 'trial.criteria_changed',
        entityType: 'trial',
        entityId: trial.id,
        changes: [
          { field: 'criteriaVersion', old: trial.criteriaVersion - 1, new: trial.criteriaVersion },
          { field: 'criteria', old: previous, new: criteria },
        ],
      });
      const runId = trial.status === 'recruiting' ? await this.startRun(tx, trial, 'criteria_changed') : null;
      return { trial, runId };
    });
  }

  /**
   * A run's progress. A run walks everyone at the trial's sites, people who did not consent to sharing counts
   * with sponsors too, so a sponsor receives no count of it, only the share done (`publishedProgress`);
   * admins keep the exact numbers.
   */
  async run(actor: Actor, trialId: string, runId: string): Promise<ScreeningRunProgress> {
    await this.get(actor, trialId);
    const run = await this.transactions.read((tx) => this.screeningRuns.findOfTrial(tx, trialId, runId));
    if (!run) throw notFound('Screening run');
    const progressPercent = publishedProgress(run.done, run.total);
    if (actor.role !== Role.Sponsor) return { ...run, progressPercent };
    return { ...run, done: null, total: null, progressPercent };
  }

  /** Proposals to the caller's sites (admins: every site), newest first. */
  siteProposals(actor: Actor, state?: TrialSiteProposalState): Promise<TrialSiteProposalEntity[]> {
    return this.transactions.read((tx) =>
      this.trials.listProposals(tx, { siteIds: actor.role === Role.Admin ? 'all' : actor.siteIds, state }),
    );
  }

  /**
   * An admin, or a coordinator of the site, accepts or declines a proposed site, once. Accepting makes the
   * site take part, and re-screens the cohort if the trial recruits, so its participants are judged too.
   */
  async decideSite(
    actor: Actor,
    trialId: string,
    siteId: string,
    decision: SiteDecision,
  ): Promise<TrialSiteProposalEntity> {
    if (!maySeeSite(actor, siteId)) throw notFound('Site proposal');
    return this.transactions.run(async (tx) => {
      const proposal = await this.trials.findProposalForUpdate(tx, trialId, siteId);
      if (!proposal) throw notFound('Site proposal');
      if (proposal.state !== 'proposed') {
        throw new DomainError(
          ErrorKind.Conflict,
          'trial.site_already_decided',
          `This site has already ${proposal.state} the proposal`,
          undefined,
          { state: proposal.state },
        );
      }
      Object.assign(proposal, { state: decision, decidedBy: actor.userId, decidedAt: this.clock.now() });
      await this.trials.recordDecision(tx, proposal.id, proposal);
      if (decision === 'accepted') await this.trials.addSite(tx, trialId, siteId);
      await this.audit.record(tx, {
        action: decision === 'accepted' ? 'trial.site_accepted' : 'trial.site_declined',
        entityType: 'trial',
        entityId: trialId,
        siteId,
        changes: [{ field: 'siteProposal', old: 'proposed', new: decision }],
      });
      if (decision === 'accepted' && proposal.trial!.status === 'recruiting')
        await this.startRun(tx, proposal.trial!, 'site_accepted');
      return proposal;
    });
  }

  /** The trial, locked, if the caller may change it; a sponsor's other trials answer "not found". */
  private async ownTrial(tx: Tx, actor: Actor, id: string): Promise<TrialEntity> {
    const trial = await this.trials.findForUpdate(tx, id);
    if (
      !trial ||
      (actor.role === Role.Sponsor && trial.sponsorOrganisationId !== actor.sponsorOrganisationId)
    )
      throw notFound('Trial');
    return trial;
  }

  private async startRun(tx: Tx, trial: TrialEntity, cause: string): Promise<string> {
    const [runId] = await this.screeningRuns.start(tx, [trial], cause);
    return runId;
  }
}
