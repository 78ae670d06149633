import { Injectable } from '@nestjs/common';
import { Role } from '@registry/domain';
import { AuditRepository, TrialEntity, TrialRepository, Transactions } from '@registry/persistence';
import { Clock, notFound } from '@registry/platform';
import { PublishedPool, TrialPoolReport } from '@registry/sponsor-reports';
import type { Actor } from '../auth/actor';
import { FeasibilitySnapshot } from './feasibility-snapshot';
import { SponsorQueryGate } from './sponsor-query-gate';

/** A pool as published, and when the cohort it counts was read. */
export interface PoolAnswer extends PublishedPool {
  dataAsOf: Date;
}

/**
 * A trial's pool read by its sponsor organisation (or an admin): the count itself is `TrialPoolReport`
 * (libs/sponsor-reports, shared with the pool webhooks), kept for every trial not closed in the snapshot
 * feasibility queries read (`FeasibilitySnapshot`: counting reads the whole cohort, about two minutes per
 * million) and counted when asked for a closed trial (or, while the snapshot is rebuilt, a trial whose
 * criteria or sites changed); this admits the read through the organisation's
 * query limit, audits it, and answers 404 for a trial the caller may not see.
 */
@Injectable()
export class PoolService {
  constructor(
    private readonly transactions: Transactions,
    private readonly trials: TrialRepository,
    private readonly audit: AuditRepository,
    private readonly gate: SponsorQueryGate,
    private readonly report: TrialPoolReport,
    private readonly snapshot: FeasibilitySnapshot,
    private readonly clock: Clock,
  ) {}

  async pool(actor: Actor, trialId: string): Promise<PoolAnswer> {
    const trial = await this.visibleTrial(actor, trialId).catch(async (error: unknown) => {
      // A sponsor asking for a trial that is not theirs (or none) is a query too, and a probe worth seeing.
      if (actor.role === Role.Sponsor) await this.auditRefusedRead(actor, trialId);
      throw error;
    });
    await this.gate.admitPoolRead(actor, trial.id, trial.criteriaVersion);
    const kept = await this.snapshot.pool(trial);
    return this.transactions.run(async (tx) => {
      const dataAsOf = kept?.builtAt ?? this.clock.now();
      const answer = {
        ...(kept ? this.report.publish(kept.raw) : await this.report.count(tx, trial)),
        dataAsOf,
      };
      await this.audit.record(tx, {
        action: 'sponsor_query.pool',
        entityType: 'trial',
        entityId: trial.id,
        changes: [{ field: 'criteriaVersion', old: null, new: trial.criteriaVersion }],
      });
      return answer;
    });
  }

  private auditRefusedRead(actor: Actor, trialId: string): Promise<void> {
    return this.transactions.run((tx) =>
      this.audit.record(tx, {
        action: 'sponsor_query.refused',
        entityType: 'sponsor_organisation',
        entityId: actor.sponsorOrganisationId ?? actor.userId,
        changes: [
          { field: 'kind', old: null, new: 'pool' },
          { field: 'trialId', old: null, new: trialId },
          { field: 'reason', old: null, new: 'not_found' },
        ],
      }),
    );
  }

  /** The trial if the caller may read its pool: its own sponsor organisation, or an admin; else 404. */
  private async visibleTrial(actor: Actor, trialId: string): Promise<TrialEntity> {
    const scope =
      actor.role === Role.Admin
        ? ({ kind: 'all' } as const)
        : ({ kind: 'sponsor', organisationId: actor.sponsorOrganisationId } as const);
    const trial = (await this.transactions.read((tx) => this.trials.list(tx, scope))).find(
      (t) => t.id === trialId,
    );
    if (!trial) throw notFound('Trial');
    return trial;
  }
}
