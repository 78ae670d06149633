import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Role, validateCriteriaDocument } from '@registry/domain';
import { EventTopic } from '@registry/jobs';
import {
  publishEvent,
  recordAudit,
  ScreeningRunEntity,
  SiteEntity,
  TrialCriteriaVersionEntity,
  TrialEntity,
} from '@registry/persistence';
import { DomainError, ErrorKind, notFound } from '@registry/platform';
import { DataSource, EntityManager, In } from 'typeorm';
import type { Actor } from '../auth/actor';
import type { CreateTrialDto, UpdateTrialDto } from './trial.dto';

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
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Sponsors see their organisation's trials; admins all; coordinators and monitors those at their sites. */
  async list(actor: Actor): Promise<TrialEntity[]> {
    const query = this.dataSource
      .getRepository(TrialEntity)
      .createQueryBuilder('trial')
      .leftJoinAndSelect('trial.sites', 'site');
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
          sites,
        }),
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
          { field: 'siteIds', old: null, new: input.siteIds },
          { field: 'criteria', old: null, new: input.criteria },
        ],
      });
      if (trial.status === 'recruiting') await this.startRun(manager, trial, 'trial_created');
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

  private async ownTrial(manager: EntityManager, actor: Actor, id: string): Promise<TrialEntity> {
    const trial = await manager.findOne(TrialEntity, {
      where: { id },
      relations: { sites: true },
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
    const [run] = await manager.query<{ id: string }[]>(
      `INSERT INTO screening_run (trial_id, criteria_version, cause, total)
       SELECT $1, $2, $3, count(*) FROM participant WHERE site_id IN (SELECT site_id FROM trial_site WHERE trial_id = $1)
       RETURNING id`,
      [trial.id, trial.criteriaVersion, cause],
    );
    await publishEvent(manager, EventTopic.TrialScreeningRequested, run.id, {
      trialId: trial.id,
      runId: run.id,
    });
    return run.id;
  }
}
