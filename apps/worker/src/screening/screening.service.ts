import { Injectable } from '@nestjs/common';
import {
  CalendarDate,
  decideScreening,
  DecidedDetermination,
  emptyWrites,
  decideCriteria,
  FlagKind,
  hasScreeningWrites,
  LeafResult,
  nextChangeWithTime,
  ParticipantProfile,
  ParticipantScreen,
  ParticipantUnderScreening,
  ScreeningPlan,
  ScreeningWrites,
  StoredVerdict,
  Verdict,
} from '@registry/domain';
import {
  ChosenParticipant,
  CohortSlice,
  DeterminationRepository,
  LocatedParticipant,
  ScreenableTrial,
  ScreeningInput,
  ScreeningRepository,
  ScreeningSubject,
  Transactions,
  Tx,
} from '@registry/persistence';
import { SiteCalendar } from '@registry/platform';

export type { ScreenableTrial } from '@registry/persistence';

export interface ScreeningOutcome {
  /** Participant x trial evaluations. */
  evaluated: number;
  /** Participants with something written (a determination, history or flag). */
  participantsWritten: number;
  /** Determinations written. */
  changed: number;
  flagsRaised: number;
  flagsClosed: number;
}

/**
 * How a batch takes its participants' row locks (see `ScreeningService.screenIn`):
 * - 'lock-all': every participant is locked before anything is read (an event's screening, or a cohort batch
 *   in which many results change);
 * - 'judge-then-lock-writers': everyone is judged unlocked, and only those with something to write are then
 *   locked, read again and judged again (a cohort batch in which few change).
 */
export type BatchLocking = 'lock-all' | 'judge-then-lock-writers';

export interface ScreenOptions {
  /** Screen against these trials only (default: every recruiting trial). */
  trials?: ScreenableTrial[];
  /** The instant whose calendar day at each participant's site they are judged on (default: the clock's now). */
  now?: Date;
  /** Default 'lock-all'. */
  locking?: BatchLocking;
  /**
   * With 'judge-then-lock-writers': the unlocked pass already made, before the transaction opened, by
   * `prejudge` on the batch as `loadCohortBatch` read it (`participantIds` must be theirs).
   */
  prejudged?: PrejudgedBatch;
  /**
   * The participants' data may have changed since they were last screened, so the first day time alone
   * could change each determination is worked out again even when it has not come (see
   * `decideTrialScreening`). Default true, but false for a prejudged batch; a cohort run, which screens
   * because time passed or criteria or sites changed, says false.
   */
  dataChanged?: boolean;
}

/** A cohort run's next batch (see `ScreeningService.loadCohortBatch`). */
export interface CohortBatch {
  /** In participant id order. */
  participants: readonly ChosenParticipant[];
  /** The participants read whole, without locks, for `prejudge`; absent when only chosen. */
  inputs?: ScreeningInput[];
}

/**
 * What a pass finds: with 'find-writers' (unlocked) only who has something to write, with 'write' (locked)
 * the writes themselves, worded.
 */
type JudgingPass = 'find-writers' | 'write';

/** What judging a batch found: evaluations made, the writes collected, and who they concern (sorted). */
interface JudgedBatch {
  evaluated: number;
  writes: ScreeningWrites;
  participantsToWrite: string[];
}

/** An unlocked pass over a batch read ahead, made before its transaction opens (see `ScreenOptions`). */
export type PrejudgedBatch = Readonly<JudgedBatch>;

/**
 * The participant of a batch being judged, as the screening policy asks about them: re-pointed at each
 * participant in turn (`next`), so that a batch makes no object per participant for it. Verdicts come from
 * the batch's plan, only for the trials recruiting at the participant's site (each one asked is an
 * evaluation); explanations, worked out only when the policy asks, share one leaf cache across the trials.
 */
class BatchParticipant implements ParticipantUnderScreening {
  /** Participant x trial verdicts asked for so far. */
  evaluated = 0;
  profile!: ParticipantProfile;
  asOf!: CalendarDate;
  private siteId!: string;
  private subject!: ScreeningSubject;
  private screen!: ParticipantScreen;
  // Made on first use: most participants in a re-screen need no explanation at all.
  private leafCache?: Map<string, LeafResult>;
  private explained?: Map<number, DecidedDetermination>;

  constructor(
    private readonly trials: readonly ScreenableTrial[],
    private readonly plan: ScreeningPlan,
    readonly dataChanged: boolean,
  ) {}

  next(input: ScreeningInput): this {
    // Built here, one participant at a time, so that it is garbage before the next one (see ScreeningInput).
    this.subject = input.read();
    this.profile = this.subject.profile;
    this.asOf = input.asOf;
    this.siteId = input.siteId;
    this.screen = this.plan.forParticipant(this.profile, input.asOf);
    this.leafCache = undefined;
    this.explained = undefined;
    return this;
  }

  verdict(trialIndex: number): Verdict | null {
    if (!this.trials[trialIndex].siteIds.has(this.siteId)) return null;
    this.evaluated++;
    return this.screen.verdict(trialIndex);
  }

  stored(trialIndex: number, into: StoredVerdict): boolean {
    return this.subject.stored(trialIndex, into);
  }

  openFlags(trialIndex: number): readonly FlagKind[] {
    return this.subject.openFlags(trialIndex);
  }

  explain(trialIndex: number): DecidedDetermination {
    this.explained ??= new Map();
    let determination = this.explained.get(trialIndex);
    if (!determination) {
      const trial = this.trials[trialIndex];
      determination = decideCriteria(trial.criteria.criteria, this.profile, {
        asOf: this.asOf,
        trialId: trial.id,
        leafCache: (this.leafCache ??= new Map()),
      });
      this.explained.set(trialIndex, determination);
    }
    return determination;
  }

  changesWithTime(trialIndex: number): CalendarDate | null {
    return nextChangeWithTime(this.trials[trialIndex].criteria.criteria, this.profile, this.asOf);
  }
}

/**
 * Evaluates participants against recruiting trials and stores what changed: the determination (with the
 * criteria version, the day it was made for and its leaf judgements, from which the view rebuilds the
 * explanation it was made with), a history row with the reasons, and the flags coordinators act on. One
 * transaction per call; two workers screening the same person take turns on the participant's row lock
 * (see `screen`), and the partial unique index on open flags makes a second flag impossible even so.
 *
 * Work is set-based so that a cohort re-screen costs a handful of statements per batch: each participant's
 * profile is loaded once, a ScreeningPlan judges each distinct leaf once for all trials without words, the
 * domain's screening policy (`decideScreening`) decides what is stored and which flags are raised or closed,
 * and only determinations whose result changed are written, explained with decideCriteria.
 */
@Injectable()
export class ScreeningService {
  constructor(
    private readonly transactions: Transactions,
    private readonly screening: ScreeningRepository,
    private readonly determinations: DeterminationRepository,
    private readonly calendar: SiteCalendar,
  ) {}

  /** The recruiting trials (only `trialIds` when given), read in `tx` or else outside any transaction. */
  recruitingTrials(tx?: Tx, trialIds?: string[]): Promise<ScreenableTrial[]> {
    return tx
      ? this.screening.recruitingTrials(tx, trialIds)
      : this.transactions.read((pool) => this.screening.recruitingTrials(pool, trialIds));
  }

  /** Screens the participants in a transaction of their own (see `screenIn`) and writes what changed. */
  screen(participantIds: string[], options: ScreenOptions = {}): Promise<ScreeningOutcome> {
    return this.transactions.run((tx) => this.screenIn(tx, participantIds, options));
  }

  /**
   * Screens the participants in the caller's transaction and writes what changed (a cohort run commits its
   * cursor in the same transaction as the batch it covers).
   *
   * Two workers screening the same person take turns on the participant's row lock. With 'lock-all' every
   * participant is locked before anything is read. With 'judge-then-lock-writers' (cohort runs) the
   * participants are first evaluated without locks, and only those with something to write are then locked,
   * read again and evaluated again before writing: a re-screen in which little changes then neither waits on
   * nor dirties the participant rows (locking them wrote every page of the participant table to the WAL on
   * every run). This is safe because a participant left unlocked is one for whom nothing is written: if their
   * data changes meanwhile, that change's own screening (queued by its change event, and locking) screens
   * them afresh.
   *
   * A cohort run reads each batch ahead (`loadCohortBatch`) and judges it with `prejudge` before the
   * transaction opens. Reading outside the transaction sees what a read inside it would: under READ COMMITTED
   * each statement takes its own snapshot either way.
   */
  async screenIn(tx: Tx, participantIds: string[], options: ScreenOptions = {}): Promise<ScreeningOutcome> {
    const todayAt = this.calendar.todayAt(options.now);
    const locking = options.locking ?? 'lock-all';
    const prejudged = options.prejudged;
    // A prejudged batch is a cohort run's, judged as one (see `prejudge`).
    const dataChanged = options.dataChanged ?? prejudged === undefined;
    if (prejudged && (locking !== 'judge-then-lock-writers' || !options.trials || dataChanged))
      throw new Error(
        'a prejudged batch is screened judge-then-lock-writers, with the trials it was judged for, as a cohort run',
      );
    const outcome: ScreeningOutcome = {
      evaluated: prejudged?.evaluated ?? 0,
      participantsWritten: 0,
      changed: 0,
      flagsRaised: 0,
      flagsClosed: 0,
    };
    const sorted = [...new Set(participantIds)].sort();
    if (sorted.length === 0) return outcome;
    const lockFirst = locking === 'lock-all';
    // Locked before the trials are read, as before any other read, when locking first.
    const located = prejudged ? undefined : await this.screening.locate(tx, sorted, lockFirst);
    const trials = options.trials ?? (await this.screening.recruitingTrials(tx));
    if (trials.length === 0) return outcome;
    const plan = this.planFor(trials);
    let pass =
      prejudged ??
      this.judge(
        await this.loadInputs(tx, located!, plan, trials, todayAt),
        trials,
        plan,
        lockFirst ? 'write' : 'find-writers',
        dataChanged,
      );
    outcome.evaluated = pass.evaluated;
    if (!lockFirst && pass.participantsToWrite.length > 0) {
      // Everything found so far concerns exactly these participants: start again for them, locked.
      const relocated = await this.screening.locate(tx, pass.participantsToWrite, true);
      pass = this.judge(
        await this.loadInputs(tx, relocated, plan, trials, todayAt),
        trials,
        plan,
        'write',
        dataChanged,
      );
    }
    outcome.participantsWritten = pass.participantsToWrite.length;
    outcome.changed = pass.writes.determinations.length;
    outcome.flagsClosed = await this.determinations.closeFlags(tx, pass.writes.flagsToClose);
    outcome.flagsRaised = await this.determinations.raiseFlags(tx, pass.writes.flagsToRaise);
    await this.determinations.storeDeterminations(tx, pass.writes.determinations);
    return outcome;
  }

  /**
   * The unlocked pass over a batch read ahead (`loadCohortBatch`) for a cohort run (whose participants' data
   * did not change, see `ScreenOptions.dataChanged`): who in it has something to write.
   */
  prejudge(inputs: ScreeningInput[], trials: ScreenableTrial[]): PrejudgedBatch {
    return this.judge(inputs, trials, this.planFor(trials), 'find-writers', false);
  }

  /**
   * A cohort run's next batch: the next `limit` participants of the trials' sites after `after` (null: from
   * the first) and through `through` (a partition's last id; null or absent: to the last), in participant id
   * order. For 'judge-then-lock-writers': read whole, without locks, for
   * `prejudge`, by one statement that also chooses them, each on the calendar day at their site
   * (`siteTimeZones`, by site id) at `now` (default: the clock's now). For 'lock-all': only chosen, since the
   * batch is read again under lock anyway. Only the participants of the sites in `siteTimeZones` are walked;
   * with `dueOnly` (a daily re-screen), only those of them with a determination for one of the trials whose
   * time-change day has come on the day at their site.
   */
  async loadCohortBatch(
    trials: ScreenableTrial[],
    siteTimeZones: ReadonlyMap<string, string>,
    slice: { after: string | null; through?: string | null; limit: number; dueOnly?: boolean },
    locking: BatchLocking,
    now?: Date,
  ): Promise<CohortBatch> {
    const dayIn = this.calendar.todayAt(now);
    const chosen: CohortSlice = {
      ...this.walked(trials, siteTimeZones, slice.dueOnly ?? false, now),
      after: slice.after,
      through: slice.through ?? null,
      limit: slice.limit,
    };
    if (locking === 'lock-all')
      return {
        participants: await this.transactions.read((pool) => this.screening.chooseCohort(pool, chosen)),
      };
    const inputs = await this.transactions.read((pool) =>
      this.screening.loadCohortInputs(
        pool,
        chosen,
        (siteId) => dayIn(siteTimeZones.get(siteId)!),
        trials.map((t) => t.id),
        { assessmentTypes: this.planFor(trials).assessmentTypes },
      ),
    );
    return { participants: inputs, inputs };
  }

  /**
   * Where to split the participants a cohort run walks (as `loadCohortBatch` chooses them) into `parts`
   * ranges of about the same number of people: the last participant id of each range, lowest first.
   */
  cohortPartitionBounds(
    tx: Tx,
    trials: ScreenableTrial[],
    siteTimeZones: ReadonlyMap<string, string>,
    dueOnly: boolean,
    parts: number,
  ): Promise<string[]> {
    return this.screening.partitionBounds(tx, this.walked(trials, siteTimeZones, dueOnly), parts);
  }

  /**
   * The participants a cohort run walks: those of the sites in `siteTimeZones`; with `dueOnly` (a daily
   * re-screen), only those of them with a determination for one of the trials whose time-change day has
   * come on the day at their site at `now`.
   */
  private walked(
    trials: ScreenableTrial[],
    siteTimeZones: ReadonlyMap<string, string>,
    dueOnly: boolean,
    now?: Date,
  ): Pick<CohortSlice, 'siteIds' | 'due'> {
    const walked: Pick<CohortSlice, 'siteIds' | 'due'> = { siteIds: [...siteTimeZones.keys()] };
    if (dueOnly) {
      // One site per daily re-screen; across several, the latest of their days walks everyone due at any.
      const dayIn = this.calendar.todayAt(now);
      const days = [...siteTimeZones.values()].map(dayIn).sort();
      if (days.length > 0)
        walked.due = { trialIds: trials.map((t) => t.id), onOrBefore: days[days.length - 1] };
    }
    return walked;
  }

  /** One plan per list of trials: a cohort run passes the same list for every batch. */
  private readonly plans = new WeakMap<ScreenableTrial[], ScreeningPlan>();

  private planFor(trials: ScreenableTrial[]): ScreeningPlan {
    let plan = this.plans.get(trials);
    if (!plan) {
      plan = new ScreeningPlan(trials.map((t) => ({ id: t.id, criteria: t.criteria.criteria })));
      this.plans.set(trials, plan);
    }
    return plan;
  }

  /** Reads the located participants, each on the calendar day at their site (`dayIn` their site's zone). */
  private loadInputs(
    tx: Tx,
    located: LocatedParticipant[],
    plan: ScreeningPlan,
    trials: ScreenableTrial[],
    dayIn: (timeZone: string) => CalendarDate,
  ): Promise<ScreeningInput[]> {
    const requests = located.map(({ id, time_zone }) => ({ participantId: id, asOf: dayIn(time_zone) }));
    return this.screening.loadInputs(
      tx,
      requests,
      trials.map((t) => t.id),
      { assessmentTypes: plan.assessmentTypes },
    );
  }

  /**
   * Judges the participants against the trials by the screening policy and collects the writes (only finds
   * who has any, in a 'find-writers' pass); nothing is written here.
   */
  private judge(
    inputs: ScreeningInput[],
    trials: ScreenableTrial[],
    plan: ScreeningPlan,
    pass: JudgingPass,
    dataChanged: boolean,
  ): JudgedBatch {
    const writes = emptyWrites();
    const participantsToWrite: string[] = [];
    const participant = new BatchParticipant(trials, plan, dataChanged);
    for (const input of inputs) {
      participant.next(input);
      const writing =
        pass === 'write'
          ? decideScreening(participant, trials, writes) !== null
          : hasScreeningWrites(participant, trials);
      if (writing) participantsToWrite.push(input.participantId);
    }
    // The inputs are in participant id order: participantsToWrite is sorted.
    return { evaluated: participant.evaluated, writes, participantsToWrite };
  }
}
