import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Environment } from '@registry/config';
import { CohortProjection, CohortProjectionBuilder } from '@registry/domain';
import { SiteRepository, SponsorCountsRepository, Transactions, Tx } from '@registry/persistence';
import { Clock, SiteCalendar } from '@registry/platform';
import { SponsorCohort } from '@registry/sponsor-reports';

/** A projection of the cohort and when it was read. */
export interface CohortSnapshot {
  projection: CohortProjection;
  /** When the walk that built it started: no fact later than this is in it. */
  builtAt: Date;
  /** What it was read against: each active site's calendar day, and the consent withdrawals recorded. */
  version: string;
}

/**
 * The cohort projection feasibility queries are answered from (CohortProjection), per API process. Reading
 * every participant takes about a minute per million, so it is built once and kept, and every answer states
 * when its data were read (`builtAt`).
 *
 * It is never served once it could count someone it must not, or judge on a day that has passed: when a
 * site's calendar day has turned (ages, recency windows and consent are judged on it), when a consent has
 * been withdrawn since it was read, or when it is twice FEASIBILITY_SNAPSHOT_MAX_AGE_SECONDS old, the query
 * waits for a new one. Between the maximum age and twice it, a query is answered from it while a new one is
 * built in the background. One build at a time; queries arriving meanwhile share it.
 *
 * So that a query rarely waits for a build (at 1,000,000 participants a build takes minutes), a process that
 * has answered a feasibility query keeps its snapshot current from then on: every
 * FEASIBILITY_SNAPSHOT_CHECK_SECONDS it asks whether a day has turned or a consent been withdrawn, or the
 * snapshot outgrown its maximum age, and if so builds the next one in the background (`refreshIfStale`).
 * Only a query arriving between such a change and the end of that build waits. A process no sponsor asks
 * never reads the cohort.
 */
@Injectable()
export class FeasibilitySnapshot implements OnModuleDestroy {
  private readonly logger = new Logger(FeasibilitySnapshot.name);
  private current: CohortSnapshot | null = null;
  private building: Promise<CohortSnapshot> | null = null;
  private keeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly transactions: Transactions,
    private readonly sites: SiteRepository,
    private readonly counts: SponsorCountsRepository,
    private readonly cohort: SponsorCohort,
    private readonly calendar: SiteCalendar,
    private readonly clock: Clock,
    @Inject(Environment) private readonly config: Environment,
  ) {}

  async snapshot(): Promise<CohortSnapshot> {
    this.keepCurrent();
    const version = await this.transactions.read((tx) => this.versionNow(tx));
    const current = this.current;
    const state = this.stateOf(current, version);
    if (state === 'unservable') return this.fresh(version);
    if (state === 'old')
      this.build().catch((error: unknown) =>
        this.logger.error({ msg: 'feasibility snapshot rebuild failed', error: (error as Error).message }),
      );
    return current!;
  }

  /**
   * Builds the next snapshot now (and resolves once built) if the current one could no longer be served
   * as it is, or is past its maximum age; does nothing while a build is under way or before any query.
   */
  async refreshIfStale(): Promise<void> {
    const current = this.current;
    if (!current || this.building) return;
    const version = await this.transactions.read((tx) => this.versionNow(tx));
    if (this.stateOf(current, version) !== 'current') await this.build();
  }

  /**
   * Whether a snapshot may answer a query read against `version`: not at all (none yet, a day turned or a
   * consent withdrawn since, or twice the maximum age), only while a new one is built (past the maximum age),
   * or as it is.
   */
  private stateOf(snapshot: CohortSnapshot | null, version: string): 'unservable' | 'old' | 'current' {
    if (!snapshot || snapshot.version !== version) return 'unservable';
    const ageSeconds = (this.clock.now().getTime() - snapshot.builtAt.getTime()) / 1000;
    const maxAge = this.config.FEASIBILITY_SNAPSHOT_MAX_AGE_SECONDS;
    if (ageSeconds > 2 * maxAge) return 'unservable';
    return ageSeconds > maxAge ? 'old' : 'current';
  }

  onModuleDestroy(): void {
    if (this.keeper) clearInterval(this.keeper);
    this.keeper = null;
  }

  /** From the first query on, checks every FEASIBILITY_SNAPSHOT_CHECK_SECONDS (see the class comment). */
  private keepCurrent(): void {
    if (this.keeper) return;
    this.keeper = setInterval(() => {
      this.refreshIfStale().catch((error: unknown) =>
        this.logger.error({ msg: 'feasibility snapshot refresh failed', error: (error as Error).message }),
      );
    }, this.config.FEASIBILITY_SNAPSHOT_CHECK_SECONDS * 1000);
    // Never what keeps the process alive.
    this.keeper.unref();
  }

  /** A snapshot read against `version` at least: the build under way if it is, else a new one. */
  private async fresh(version: string): Promise<CohortSnapshot> {
    const built = await this.build();
    return built.version === version ? built : this.build();
  }

  private build(): Promise<CohortSnapshot> {
    this.building ??= this.read().finally(() => (this.building = null));
    return this.building;
  }

  private async read(): Promise<CohortSnapshot> {
    const builtAt = this.clock.now();
    const snapshot = await this.transactions.run(async (tx) => {
      const version = await this.versionNow(tx);
      const sites = await this.sites.listActive(tx);
      const builder = new CohortProjectionBuilder(sites.map((site) => site.code));
      await this.cohort.walk(tx, sites, [], undefined, ({ subject, siteCode, today }) =>
        builder.add(subject.profile, siteCode, today),
      );
      return { projection: builder.build(), builtAt, version };
    });
    this.current = snapshot;
    this.logger.log({
      msg: 'feasibility snapshot built',
      participants: snapshot.projection.size,
      ms: this.clock.now().getTime() - builtAt.getTime(),
    });
    return snapshot;
  }

  private async versionNow(tx: Tx): Promise<string> {
    const sites = await this.sites.listActive(tx);
    const days = sites.map((site) => `${site.code}:${this.calendar.today(site.timeZone)}`).join(',');
    return `${days}|${await this.counts.consentWithdrawals(tx)}`;
  }
}
