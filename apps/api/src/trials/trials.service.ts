import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Role, validateCriteriaDocument } from '@registry/domain';
import {
  recordAudit,
  ScreeningRunEntity,
  SiteEntity,
  startScreeningRuns,
  TrialCriteriaVersionEntity,
  TrialEntity,
  TrialSiteProposalEntity,
} from '@registry/persistence';
import { Clock, DomainError, ErrorKind, notFound } from '@registry/platform';
import { DataSource, EntityManager, In } from 'typeorm';
import type { TrialSiteProposalState } from '@registry/persistence';
import { maySeeSite } from '../auth/access-policy';
import type { Actor } from '../auth/actor';
import type { CreateTrialDto, UpdateTrialDto } from './trial.dto';

/** What an admin or a site may decide about a proposal. */
export type SiteDecision = 'accepted' | 'declined';

function checkCriteria(criteria: unknown): void {
  const problems = validateCriteriaDocument(criteria);
  if (problems.length > 0) {
    throw new DomainError(
      ErrorKind.InvalidInput,
      'criteria.invalid',
      `The criteria document has ${problems.length} problem(s)`,
      problems.map((p) => ({
        field: `criteria${p.path.slice(1)}`,
        constraint: p.constraint,
        message: p.message,
      })),
    );
  }
}

@Injectable()
export class TrialsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /** Sponsors see their organisation's trials; admins all; coordinators and monitors those at their sites. */
  async list(actor: Actor): Promise<TrialEntity[]> {
    const query = this.dataSource
      .getRepository(TrialEntity)
      .createQueryBuilder('trial')
      .leftJoinAndSelect('trial.sites', 'site')
      .leftJoinAndSelect('trial.siteProposals', 'proposal');
    if (actor.role === Role.Sponsor)
      query.where('trial.sponsor_organisation_id = :org', { org: actor.sponsorOrganisationId });
    if (actor.role === Role.Coordinator || actor.role === Role.Monitor) {
      query.where('trial.id IN (SELECT trial_id FROM trial_site WHERE site_id = ANY(:sites::uuid[]))', {
        sites: actor.siteIds,
      });
    }
    return query.orderBy('trial.title', 'ASC').getMany();
  }

  async get(actor: Actor, id: string): Promise<TrialEntity> {
    const trial = (await this.list(actor)).find((candidate) => candidate.id === id);
    if (!trial) throw notFound('Trial');
    return trial;
  }

  async criteria(trial: TrialEntity): Promise<Record<string, unknown>> {
    const version = await this.dataSource
      .getRepository(TrialCriteriaVersionEntity)
      .findOneByOrFail({ trialId: trial.id, version: trial.criteriaVersion });
    return version.document;
  }

  async create(actor: Actor, input: CreateTrialDto): Promise<TrialEntity> {
    checkCriteria(input.criteria);
    return this.dataSource.transaction(async (manager) => {
      const sites = await manager.findBy(SiteEntity, { id: In(input.siteIds), active: true });
      if (sites.length !== input.siteIds.length) {
        throw new DomainError(
          ErrorKind.InvalidInput,
          'validation_failed',
          'siteIds names an unknown or inactive site',
          [{ field: 'siteIds', constraint: 'exists', message: 'siteIds names an unknown or inactive site' }],
        );
      }
      const trial = await manager.save(
        manager.create(TrialEntity, {
          sponsorOrganisationId: actor.sponsorOrganisationId!,
          title: input.title,
          registryNumber: input.registryNumber,
          phase: input.phase,
          status: input.status,
          targetEnrolment: input.targetEnrolment,
          criteriaVersion: 1,
          // A sponsor proposes sites; each joins (and so can receive flags) only once it accepts.
          sites: [],
        }),
      );
      trial.siteProposals = await manager.save(
        sites.map((site) =>
          manager.create(TrialSiteProposalEntity, {
            trialId: trial.id,
            siteId: site.id,
            state: 'proposed',
            proposedBy: actor.userId,
          }),
        ),
      );
      await manager.save(
        manager.create(TrialCriteriaVersionEntity, {
          trialId: trial.id,
          version: 1,
          document: input.criteria,
          createdBy: actor.userId,
        }),
      );
      await recordAudit(manager, {
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
    return this.dataSource.transaction(async (manager) => {
      const trial = await this.ownTrial(manager, actor, id);
      const changes = (['status', 'title', 'targetEnrolment'] as const)
        .filter((field) => input[field] !== undefined && input[field] !== trial[field])
        .map((field) => ({ field, old: trial[field], new: input[field] }));
      if (changes.length === 0) return trial;
      const wasRecruiting = trial.status === 'recruiting';
      Object.assign(trial, input);
      await manager.save(trial);
      let flagsClosed = 0;
      if (input.status === 'closed') {
        const [, closed] = await manager.query<[unknown, number]>(
          `UPDATE eligibility_flag SET closed_at = now(), close_reason = 'trial closed' WHERE trial_id = $1 AND closed_at IS NULL`,
          [trial.id],
        );
        flagsClosed = closed;
      }
      await recordAudit(manager, {
        action: 'trial.updated',
        entityType: 'trial',
        entityId: trial.id,
        changes: flagsClosed
          ? [...changes, { field: 'openFlagsClosed', old: null, new: flagsClosed }]
          : changes,
      });
      if (!wasRecruiting && trial.status === 'recruiting')
        await this.startRun(manager, trial, 'recruiting_started');
      return trial;
    });
  }

  /** A new criteria version; if the trial recruits, the whole cohort is re-screened against it. */
  async updateCriteria(
    actor: Actor,
    id: string,
    criteria: Record<string, unknown>,
  ): Promise<{ trial: TrialEntity; runId: string | null }> {
    checkCriteria(criteria);
    return this.dataSource.transaction(async (manager) => {
      const trial = await this.ownTrial(manager, actor, id);
      const previous = await manager.findOneByOrFail(TrialCriteriaVersionEntity, {
        trialId: trial.id,
        version: trial.criteriaVersion,
      });
      trial.criteriaVersion += 1;
      await manager.save(
        manager.create(TrialCriteriaVersionEntity, {
          trialId: trial.id,
          version: trial.criteriaVersion,
          document: criteria,
          createdBy: actor.userId,
        }),
      );
      await manager.update(TrialEntity, trial.id, { criteriaVersion: trial.criteriaVersion });
      await recordAudit(manager, {
        action: 'trial.criteria_changed',
        entityType: 'trial',
        entityId: trial.id,
        changes: [
          { field: 'criteriaVersion', old: trial.criteriaVersion - 1, new: trial.criteriaVersion },
          { field: 'criteria', old: previous.document, new: criteria },
        ],
      });
      const runId =
        trial.status === 'recruiting' ? await this.startRun(manager, trial, 'criteria_changed') : null;
      return { trial, runId };
    });
  }

  async run(actor: Actor, trialId: string, runId: string): Promise<ScreeningRunEntity> {
    await this.get(actor, trialId);
    const run = await this.dataSource.getRepository(ScreeningRunEntity).findOneBy({ id: runId, trialId });
    if (!run) throw notFound('Screening run');
    return run;
  }

  /** Proposals to the caller's sites (admins: every site), newest first. */
  siteProposals(actor: Actor, state?: TrialSiteProposalState): Promise<TrialSiteProposalEntity[]> {
    const query = this.dataSource
      .getRepository(TrialSiteProposalEntity)
      .createQueryBuilder('proposal')
      .innerJoinAndSelect('proposal.trial', 'trial');
    if (actor.role !== Role.Admin)
      query.andWhere('proposal.site_id = ANY(:sites::uuid[])', { sites: actor.siteIds });
    if (state) query.andWhere('proposal.state = :state', { state });
    return query.orderBy('proposal.proposed_at', 'DESC').addOrderBy('proposal.id', 'ASC').getMany();
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
    return this.dataSource.transaction(async (manager) => {
      const proposal = await manager.findOne(TrialSiteProposalEntity, {
        where: { trialId, siteId },
        relations: { trial: true },
        lock: { mode: 'pessimistic_write', tables: ['trial_site_proposal'] },
      });
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
      await manager.update(TrialSiteProposalEntity, proposal.id, {
        state: proposal.state,
        decidedBy: proposal.decidedBy,
        decidedAt: proposal.decidedAt,
      });
      if (decision === 'accepted') {
        await manager.query(`INSERT INTO trial_site (trial_id, site_id) VALUES ($1, $2)`, [trialId, siteId]);
      }
      await recordAudit(manager, {
        action: decision === 'accepted' ? 'trial.site_accepted' : 'trial.site_declined',
        entityType: 'trial',
        entityId: trialId,
        siteId,
        changes: [{ field: 'siteProposal', old: 'proposed', new: decision }],
      });
      if (decision === 'accepted' && proposal.trial!.status === 'recruiting')
        await this.startRun(manager, proposal.trial!, 'site_accepted');
      return proposal;
    });
  }

  private async ownTrial(manager: EntityManager, actor: Actor, id: string): Promise<TrialEntity> {
    const trial = await manager.findOne(TrialEntity, {
      where: { id },
      relations: { sites: true, siteProposals: true },
      lock: { mode: 'pessimistic_write', tables: ['trial'] },
    });
    if (
      !trial ||
      (actor.role === Role.Sponsor && trial.sponsorOrganisationId !== actor.sponsorOrganisationId)
    )
      throw notFound('Trial');
    return trial;
  }

  private async startRun(manager: EntityManager, trial: TrialEntity, cause: string): Promise<string> {
    const [runId] = await startScreeningRuns(manager, [trial], cause);
    return runId;
  }
}
