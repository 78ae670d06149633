import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { CriteriaDocument, FeasibilityTally, FunnelStep, PublishedCount, ReasonKey } from '@registry/domain';
import { AuditRepository, Transactions } from '@registry/persistence';
import { canonicalJson } from '@registry/platform';
import { SponsorDisclosure } from '@registry/sponsor-reports';
import type { Actor } from '../auth/actor';
import { checkCriteriaDocument } from '../common/criteria-document';
import { FeasibilitySnapshot } from './feasibility-snapshot';
import { SponsorQueryGate } from './sponsor-query-gate';

/** A feasibility answer as published: every count under its key (see FeasibilityTally) after disclosure control. */
export interface PublishedFeasibility {
  queryHash: string;
  /** When the cohort the answer counts was read (FeasibilitySnapshot). */
  dataAsOf: Date;
  steps: FunnelStep[];
  reasons: ReasonKey[];
  /** Why people are undetermined, most common first, by name only (FeasibilityTally.undeterminedReasons). */
  undeterminedReasons: Omit<ReasonKey, 'key'>[];
  siteCodes: string[];
  testsNeeded: string[];
  counts: Record<string, PublishedCount>;
}

/**
 * A criteria document judged over the whole registry (every active site) without creating a trial: the
 * attrition funnel, the pool it would have and the commonest reasons people fall out. The same validator as
 * a trial's criteria, the same evaluator as screening, the same people (`countedForSponsors`) as a pool;
 * every count passes disclosure control, and each query is counted against the organisation's limit and
 * audited with the SHA-256 of its canonical form.
 */
@Injectable()
export class FeasibilityService {
  constructor(
    private readonly transactions: Transactions,
    private readonly audit: AuditRepository,
    private readonly snapshot: FeasibilitySnapshot,
    private readonly gate: SponsorQueryGate,
    private readonly disclosure: SponsorDisclosure,
  ) {}

  async query(actor: Actor, document: Record<string, unknown>): Promise<PublishedFeasibility> {
    checkCriteriaDocument(document);
    const criteria = (document as unknown as CriteriaDocument).criteria;
    const canonical = canonicalJson(document);
    const queryHash = createHash('sha256').update(canonical).digest('hex');
    await this.gate.admitQuery(actor, 'feasibility', queryHash);
    const { projection, builtAt } = await this.snapshot.snapshot();
    const tally = FeasibilityTally.fromProjection(criteria, projection);
    await this.transactions.run((tx) =>
      this.audit.record(tx, {
        action: 'sponsor_query.feasibility',
        // A sponsor's queries are filed under its organisation (whose budget they use); an admin's under them.
        ...(actor.sponsorOrganisationId
          ? { entityType: 'sponsor_organisation', entityId: actor.sponsorOrganisationId }
          : { entityType: 'user', entityId: actor.userId }),
        changes: [
          { field: 'queryHash', old: null, new: queryHash },
          { field: 'criteria', old: null, new: document },
        ],
      }),
    );
    const counts = this.disclosure.publish(tally.table(), {
      query: { question: 'feasibility', criteria: canonical },
      dataVersion: null,
    });
    return {
      queryHash,
      dataAsOf: builtAt,
      steps: tally.steps,
      reasons: tally.reasonKeys(),
      undeterminedReasons: tally.undeterminedReasons(),
      siteCodes: [...projection.siteCodes],
      testsNeeded: tally.testsNeeded(),
      counts,
    };
  }
}
