import { Inject, Injectable } from '@nestjs/common';
import { Environment } from '@registry/config';
import { Role } from '@registry/domain';
import { AuditedChange, AuditRepository, Transactions } from '@registry/persistence';
import { DomainError, ErrorKind } from '@registry/platform';
import type { Actor } from '../auth/actor';
import { RateLimiter } from '../common/rate-limiter';

/** What a sponsor asks: a feasibility count of criteria of its own, the pool of one of its trials, or its referral funnel. */
export type SponsorQueryKind = 'feasibility' | 'pool' | 'referral_funnel';

export const tooManySponsorQueries = (retryAfterSeconds: number) =>
  new DomainError(
    ErrorKind.TooManyRequests,
    'sponsor.queries_rate_limited',
    'Your organisation has made too many queries in this period; try again later',
    undefined,
    { retryAfterSeconds },
  );

/**
 * Limits the queries of each sponsor organisation (all its users together) to SPONSOR_QUERY_LIMIT in each
 * fixed window of SPONSOR_QUERY_WINDOW_SECONDS; past it, a 429 with Retry-After, and the refusal is audited
 * as every sponsor query is.
 *
 * Why: disclosure control hides small counts and adds noise, but two answers to slightly different questions
 * can still be subtracted (differencing: edit a trial's criteria by one condition, read the pool again, and
 * the difference may single out a person), and many such answers can be combined. A limit makes that slow
 * and the audit trail makes it visible. Noise is deterministic (fixed by the question and the data), so
 * asking the same question again reveals nothing new: that is why reading a trial's pool again at the same
 * criteria version counts only the first time in a window, while every new criteria version counts anew.
 *
 * Admins are not limited. If Redis is away the limit lets queries through (see RedisRateLimiter); disclosure
 * control and the audit trail still apply.
 */
@Injectable()
export class SponsorQueryGate {
  constructor(
    private readonly rateLimiter: RateLimiter,
    private readonly transactions: Transactions,
    private readonly audit: AuditRepository,
    @Inject(Environment) private readonly config: Environment,
  ) {}

  /** Counts one query of the actor's organisation, or refuses it with 429 when the organisation is over its limit. */
  async admitQuery(actor: Actor, kind: SponsorQueryKind, queryHash: string, trialId?: string): Promise<void> {
    if (actor.role !== Role.Sponsor) return;
    const asked: AuditedChange[] = [
      { field: 'kind', old: null, new: kind },
      { field: 'queryHash', old: null, new: queryHash },
    ];
    if (trialId !== undefined) asked.push({ field: 'trialId', old: null, new: trialId });
    await this.count(organisationOf(actor), asked);
  }

  /**
   * A read of a trial's pool counts as a query the first time the organisation reads the trial at this
   * criteria version within a window; reading it again returns the same (deterministically noisy) answer.
   * The read is remembered only once admitted, so that a refused read does not make the next one free; two
   * identical first reads at the same moment may both count, which errs on the side of the limit.
   */
  async admitPoolRead(actor: Actor, trialId: string, criteriaVersion: number): Promise<void> {
    if (actor.role !== Role.Sponsor) return;
    const organisationId = organisationOf(actor);
    const read = `${organisationId}:${trialId}:${criteriaVersion}`;
    if (await this.rateLimiter.remembers('sponsor-pool-read', read)) return;
    await this.count(organisationId, [
      { field: 'kind', old: null, new: 'pool' },
      { field: 'trialId', old: null, new: trialId },
      { field: 'criteriaVersion', old: null, new: criteriaVersion },
    ]);
    await this.rateLimiter.remember('sponsor-pool-read', read, this.config.SPONSOR_QUERY_WINDOW_SECONDS);
  }

  private async count(organisationId: string, asked: AuditedChange[]): Promise<void> {
    const retryAfter = await this.rateLimiter.hit('sponsor-query', organisationId, {
      limit: this.config.SPONSOR_QUERY_LIMIT,
      windowSeconds: this.config.SPONSOR_QUERY_WINDOW_SECONDS,
    });
    if (retryAfter === 0) return;
    await this.transactions.run((tx) =>
      this.audit.record(tx, {
        action: 'sponsor_query.refused',
        entityType: 'sponsor_organisation',
        entityId: organisationId,
        changes: [...asked, { field: 'retryAfterSeconds', old: null, new: retryAfter }],
      }),
    );
    throw tooManySponsorQueries(retryAfter);
  }
}

function organisationOf(actor: Actor): string {
  // The database refuses a sponsor without an organisation (app_user_sponsor_has_organisation).
  if (!actor.sponsorOrganisationId) throw new Error('a sponsor without an organisation cannot be counted');
  return actor.sponsorOrganisationId;
}
