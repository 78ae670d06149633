import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Environment } from '@registry/config';
import { CohortProjection, CohortProjectionBuilder, TrialStatus } from '@registry/domain';
import {
  SiteRepository,
  SponsorCountsRepository,
  Transactions,
  TrialEntity,
  TrialRepository,
  Tx,
} from '@registry/persistence';
import { Clock, SiteCalendar } from '@registry/platform';
import { RawPool, SponsorCohort, TrialPoolReport } from '@registry/sponsor-reports';

/** What a snapshot was read against, and what a query compares it with. */
interface SnapshotVersion {
  /** Each site's calendar day, and the consent withdrawals recorded: a change makes it unservable. */
  days: string;
  /**
   * The last data change recorded (outbox event id) and the last changed determination screening stored
   * (history id): a later one makes it old.
   */
  changes: readonly [dataChange: number, screeningChange: number];
}

/** Whether `read` holds every change `asked` does (both marks only ever grow). */
function holdsChanges(read: SnapshotVersion, asked: SnapshotVersion): boolean {
  return read.changes.every((mark, i) => mark >= asked.changes[i]);
}

/**
 * A snapshot older than this many times its build time may be rebuilt in the background for a data change:
 * so that a process whose cohort keeps changing spends at most about a fifth of its time rebuilding.
 */
const BACKGROUND_REBUILD_AGE_PER_BUILD_TIME = 4;

/** A projection of the cohort, the raw pools of the trials that are not closed, and when they were read. */
export interface CohortSnapshot {
  projection: CohortProjection;
  /** Raw pools by trial id, each with the trial's `poolSignature` when read. */
  pools: Map<string, { signature: string; raw: RawPool }>;
  /** When the walk that built it started: no fact later than this is in it. */
  builtAt: Date;
  version: SnapshotVersion;
  /** How long building it took (ms): whether a query may wait for the next one (see `servable`). */
  buildMs: number;
}

type SnapshotState = 'unservable' | 'old' | 'current';

/** What a trial's pool depends on besides the cohort: its criteria version and its sites. */
function poolSignature(trial: TrialEntity): string {
  const sites = (trial.sites ?? []).map((site) => site.id).sort();
  return `${trial.criteriaVersion}|${sites.join(',')}`;
}

/**
 * The cohort as sponsors' counts read it, per API process: the projection feasibility queries are answered
 * from (CohortProjection) and the raw pool of every trial that is not closed (`TrialPoolReport`'s tallies),
 * read in one walk. Reading every participant takes about two minutes per million, so it is built once and
 * kept, and every answer states when its data were read (`builtAt`).
 *
 * It is never served once it could count someone it must not, or judge on a day that has passed: when a
 * site's calendar day has turned (ages, recency windows and consent are judged on it), when a consent has
 * been withdrawn since it was read, or when it is twice FEASIBILITY_SNAPSHOT_MAX_AGE_SECONDS old; nor is a
 * trial's pool once the trial's criteria version or sites changed. The query then waits for a new one.
 *
 * It is old once past the maximum age, or once data changed since it was read: a change recorded for the
 * worker (a visit, a consent, a status or a trial commitment: the outbox) or a changed determination stored by
 * screening (a re-screen under new criteria, a daily re-screen). A query finding it old waits for a new one
 * when the last build took at most FEASIBILITY_SNAPSHOT_QUICK_BUILD_MS (a small registry always answers from
 * the data as they are), and is otherwise answered from it at once. One build at a time; queries arriving
 * meanwhile share it. When builds are slow, a pool read for a trial the snapshot does not hold as it now is
 * (new, or new criteria or sites) is counted alone while the next build runs.
 *
 * So that a query rarely waits for a build, a process that has answered a sponsor keeps its snapshot current
 * from then on: every FEASIBILITY_SNAPSHOT_CHECK_SECONDS it checks, and builds the next one in the background
 * when the snapshot could no longer be served, is past its maximum age, or data changed and it is older than
 * BACKGROUND_REBUILD_AGE_PER_BUILD_TIME times its build time (`refreshIfStale`): a process serving a busy
 * registry of 1,000,000 (builds of about two minutes) rebuilds about every ten minutes, not continuously. A
 * process no sponsor asks never reads the cohort.
 */
@Injectable()
export class FeasibilitySnapshot implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(FeasibilitySnapshot.name);
  private current: CohortSnapshot | null = null;
  private building: Promise<CohortSnapshot> | null = null;
  private keeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly transactions: Transactions,
    private readonly sites: SiteRepository,
    private readonly trials: TrialRepository,
    private readonly counts: SponsorCountsRepository,
    private readonly cohort: SponsorCohort,
    private readonly pools: TrialPoolReport,
    private readonly calendar: SiteCalendar,
    private readonly clock: Clock,
    @Inject(Environment) private readonly config: Environment,
  ) {}

  /** A snapshot to answer a feasibility query from (see the class comment). */
  snapshot(): Promise<CohortSnapshot> {
    return this.servable(null);
  }

  /**
   * The raw pool of a trial that is not closed, from a snapshot that may answer for it (see the class
   * comment); null for a closed trial, whose pool is not kept (it is counted when asked).
   */
  async pool(trial: TrialEntity): Promise<{ raw: RawPool; builtAt: Date } | null> {
    if (trial.status === TrialStatus.Closed) return null;
    const current = this.current;
    const slow = current !== null && current.buildMs > this.config.FEASIBILITY_SNAPSHOT_QUICK_BUILD_MS;
    if (slow && !this.keeps(current, trial)) {
      // A new trial, or new criteria or sites: counted alone now (a walk of its sites) rather than after a
      // walk of the whole cohort for every trial, which the background build does for the next read.
      this.buildInBackground();
      return null;
    }
    const snapshot = await this.servable(trial);
    const kept = snapshot.pools.get(trial.id);
    return kept ? { raw: kept.raw, builtAt: snapshot.builtAt } : null;
  }

  /**
   * Builds the next snapshot now (and resolves once built) if the current one could no longer be served
   * as it is for feasibility or for any trial not closed; does nothing while a build is under way or before
   * any query.
   */
  async refreshIfStale(): Promise<void> {
    const current = this.current;
    if (!current || this.building) return;
    const { version, trials } = await this.transactions.read(async (tx) => ({
      version: await this.versionNow(tx),
      trials: await this.keptTrials(tx),
    }));
    const states = [null, ...trials].map((trial) => this.stateOf(current, version, trial));
    if (states.includes('unservable') || this.dueForBackgroundBuild(current, version)) await this.build();
  }

  /** With FEASIBILITY_SNAPSHOT_AT_START, reads the snapshot in the background now, and keeps it current. */
  onApplicationBootstrap(): void {
    if (!this.config.FEASIBILITY_SNAPSHOT_AT_START) return;
    this.keepCurrent();
    this.buildInBackground();
  }

  onModuleDestroy(): void {
    if (this.keeper) clearInterval(this.keeper);
    this.keeper = null;
  }

  /** A snapshot that may answer for feasibility (`trial` null) or for the trial's pool. */
  private async servable(trial: TrialEntity | null): Promise<CohortSnapshot> {
    this.keepCurrent();
    const version = await this.transactions.read((tx) => this.versionNow(tx));
    const current = this.current;
    const state = this.stateOf(current, version, trial);
    if (state === 'current') return current!;
    if (state === 'old' && current!.buildMs > this.config.FEASIBILITY_SNAPSHOT_QUICK_BUILD_MS) {
      if (this.dueForBackgroundBuild(current!, version)) this.buildInBackground();
      return current!;
    }
    return this.fresh(version, trial);
  }

  /**
   * Whether an old snapshot is rebuilt in the background now: past its maximum age, or data changed and it
   * is older than BACKGROUND_REBUILD_AGE_PER_BUILD_TIME times its build time.
   */
  private dueForBackgroundBuild(snapshot: CohortSnapshot, version: SnapshotVersion): boolean {
    const ageMs = this.clock.now().getTime() - snapshot.builtAt.getTime();
    if (ageMs > this.config.FEASIBILITY_SNAPSHOT_MAX_AGE_SECONDS * 1000) return true;
    return (
      !holdsChanges(snapshot.version, version) &&
      ageMs > BACKGROUND_REBUILD_AGE_PER_BUILD_TIME * snapshot.buildMs
    );
  }

  private buildInBackground(): void {
    this.build().catch((error: unknown) =>
      this.logger.error({ msg: 'feasibility snapshot rebuild failed', error: (error as Error).message }),
    );
  }

  /** Whether the snapshot holds the trial's pool as its criteria version and sites now are. */
  private keeps(snapshot: CohortSnapshot, trial: TrialEntity): boolean {
    return snapshot.pools.get(trial.id)?.signature === poolSignature(trial);
  }

  /**
   * Whether a snapshot may answer, for feasibility or for a trial's pool, against `version` read now: not at
   * all, only while a new one is built or waited for (old), or as it is (see the class comment).
   */
  private stateOf(
    snapshot: CohortSnapshot | null,
    version: SnapshotVersion,
    trial: TrialEntity | null,
  ): SnapshotState {
    if (!snapshot || snapshot.version.days !== version.days) return 'unservable';
    if (trial && !this.keeps(snapshot, trial)) return 'unservable';
    const ageSeconds = (this.clock.now().getTime() - snapshot.builtAt.getTime()) / 1000;
    const maxAge = this.config.FEASIBILITY_SNAPSHOT_MAX_AGE_SECONDS;
    if (ageSeconds > 2 * maxAge) return 'unservable';
    return ageSeconds > maxAge || !holdsChanges(snapshot.version, version) ? 'old' : 'current';
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

  /**
   * A snapshot read against `version` at least and holding the trial's pool as it is now: the build under
   * way if it is, else a new one.
   */
  private async fresh(version: SnapshotVersion, trial: TrialEntity | null): Promise<CohortSnapshot> {
    const built = await this.build();
    const answers =
      built.version.days === version.days &&
      holdsChanges(built.version, version) &&
      (!trial || this.keeps(built, trial));
    return answers ? built : this.build();
  }

  private build(): Promise<CohortSnapshot> {
    // One build at a time; a failed one is forgotten (`finally`), so the next query or check starts afresh.
    this.building ??= this.read().finally(() => (this.building = null));
    return this.building;
  }

  private async read(): Promise<CohortSnapshot> {
    const builtAt = this.clock.now();
    const snapshot = await this.transactions.run(async (tx) => {
      const version = await this.versionNow(tx);
      const active = await this.sites.listActive(tx);
      const trials = await this.keptTrials(tx);
      const builder = new CohortProjectionBuilder(active.map((site) => site.code));
      const activeCodes = new Set(active.map((site) => site.code));
      const tallies = this.pools.tallies(trials);
      // Feasibility judges the active sites; a pool its trial's sites, active or not.
      await this.cohort.walk(tx, tallies.sitesWith(active), tallies.trialIds, undefined, (participant) => {
        if (activeCodes.has(participant.siteCode))
          builder.add(participant.subject.profile, participant.siteCode, participant.today);
        tallies.visit(participant);
      });
      const raws = await tallies.finish(tx);
      const pools = new Map(
        trials.map((trial, i) => [trial.id, { signature: poolSignature(trial), raw: raws[i] }]),
      );
      return { projection: builder.build(), pools, builtAt, version };
    });
    const buildMs = this.clock.now().getTime() - builtAt.getTime();
    this.current = { ...snapshot, buildMs };
    this.logger.log({
      msg: 'feasibility snapshot built',
      participants: snapshot.projection.size,
      trials: snapshot.pools.size,
      ms: buildMs,
    });
    return this.current;
  }

  /** The trials whose pools a snapshot keeps: every one not closed. */
  private async keptTrials(tx: Tx): Promise<TrialEntity[]> {
    const trials = await this.trials.list(tx, { kind: 'all' });
    return trials.filter((trial) => trial.status !== TrialStatus.Closed);
  }

  /**
   * Every site's day (a pool's trial may have a site no longer active), the withdrawals, and the change marks.
   * The marks are the largest ids committed, not commit order: a transaction committing after a later id was
   * read is seen at the next change or at the maximum age.
   */
  private async versionNow(tx: Tx): Promise<SnapshotVersion> {
    const sites = await this.sites.listAll(tx);
    const days = sites.map((site) => `${site.code}:${this.calendar.today(site.timeZone)}`).join(',');
    return {
      days: `${days}|${await this.counts.consentWithdrawals(tx)}`,
      changes: await this.counts.changeMarks(tx),
    };
  }
}
