import { Inject, Injectable, Logger } from '@nestjs/common';
import { Environment } from '@registry/config';
import { CohortProjection, CohortProjectionBuilder } from '@registry/domain';
import { SiteRepository, Transactions } from '@registry/persistence';
import { Clock } from '@registry/platform';
import { SponsorCohort } from './sponsor-cohort';

/** A projection of the cohort and when it was read. */
export interface CohortSnapshot {
  projection: CohortProjection;
  /** When the walk that built it started: no fact later than this is in it. */
  builtAt: Date;
}

/**
 * The cohort projection feasibility queries are answered from (CohortProjection), per API process. Reading
 * every participant takes about a minute per million, so it is built once and kept: the first query waits
 * for it; a query finding it older than FEASIBILITY_SNAPSHOT_MAX_AGE_SECONDS is answered from it while a new
 * one is built in the background (one build at a time), and every answer states when its data were read.
 * Only participants counted for sponsors are in it, each judged on their own site's calendar day.
 */
@Injectable()
export class FeasibilitySnapshot {
  private readonly logger = new Logger(FeasibilitySnapshot.name);
  private current: CohortSnapshot | null = null;
  private building: Promise<CohortSnapshot> | null = null;

  constructor(
    private readonly transactions: Transactions,
    private readonly sites: SiteRepository,
    private readonly cohort: SponsorCohort,
    private readonly clock: Clock,
    @Inject(Environment) private readonly config: Environment,
  ) {}

  async snapshot(): Promise<CohortSnapshot> {
    const current = this.current;
    if (!current) return this.build();
    const ageSeconds = (this.clock.now().getTime() - current.builtAt.getTime()) / 1000;
    if (ageSeconds > this.config.FEASIBILITY_SNAPSHOT_MAX_AGE_SECONDS)
      this.build().catch((error: unknown) =>
        this.logger.error({ msg: 'feasibility snapshot rebuild failed', error: (error as Error).message }),
      );
    return current;
  }

  private build(): Promise<CohortSnapshot> {
    this.building ??= this.read().finally(() => (this.building = null));
    return this.building;
  }

  private async read(): Promise<CohortSnapshot> {
    const builtAt = this.clock.now();
    const projection = await this.transactions.run(async (tx) => {
      const sites = await this.sites.listActive(tx);
      const builder = new CohortProjectionBuilder(sites.map((site) => site.code));
      await this.cohort.walk(tx, sites, [], undefined, ({ subject, siteCode, today }) =>
        builder.add(subject.profile, siteCode, today),
      );
      return builder.build();
    });
    this.current = { projection, builtAt };
    this.logger.log({
      msg: 'feasibility snapshot built',
      participants: projection.size,
      ms: this.clock.now().getTime() - builtAt.getTime(),
    });
    return this.current;
  }
}
