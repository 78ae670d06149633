import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  Approachability,
  approachability,
  CalendarDate,
  CriteriaDocument,
  decideTrialScreening,
  Determination,
  determinationHistoryReasons,
  encodeStoredExplanation,
  evaluateCriteria,
  FlagKind,
  flagCloseReason,
  LeafResult,
  ParticipantProfile,
  ScreeningPlan,
  StoredVerdict,
  TrialScreeningDecision,
  Verdict,
} from '@registry/domain';
import {
  chooseCohortParticipants,
  loadCohortScreeningInputs,
  loadScreeningInputs,
  ScreeningInput,
} from '@registry/persistence';
import { SiteCalendar } from '@registry/platform';
import { DataSource, EntityManager } from 'typeorm';

export interface ScreenableTrial {
  id: string;
  criteriaVersion: number;
  criteria: CriteriaDocument;
  siteIds: Set<string>;
}

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
}

/** A cohort run's next batch (see `ScreeningService.loadCohortBatch`). */
export interface CohortBatch {
  /** In participant id order. */
  participants: readonly { participantId: string; siteId: string }[];
  /** The participants read whole, without locks, for `prejudge`; absent when only chosen. */
  inputs?: ScreeningInput[];
}

/** A participant to screen, with the time zone of their site (whose calendar day they are judged on). */
export interface LocatedParticipant {
  id: string;
  time_zone: string;
}

// Most participant x trial pairs have no open flag: they share this.
const NO_FLAGS: readonly FlagKind[] = Object.freeze([]);

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

/** Set-based writes collected while evaluating a batch, applied with one statement each. */
class ScreeningWrites {
  /**
   * @param pass 'find-writers' counts the writes that would be made without queueing them (or wording their
   *   reasons): a first, unlocked pass only needs to know who has any.
   */
  constructor(readonly pass: JudgingPass) {}

  private detected = 0;

  /**
   * Queues what the screening policy decided for one participant and trial, worded: the determination with
   * the leaf judgements that explain it, a history row when its result changed, and the flags to close (with
   * the reason) and raise. A detect-only pass counts the decision instead.
   */
  collect(
    { participantId, profile, asOf, explanations, approach }: Screened,
    trial: ScreenableTrial,
    verdict: Verdict,
    decision: TrialScreeningDecision,
  ): void {
    if (this.pass === 'find-writers') {
      this.detected++;
      return;
    }
    if (decision.determination) {
      const explained = explanations.of(trial);
      // The plan and the evaluator are held equal by the domain's tests; a stored result must never be kept
      // beside an explanation that reaches another.
      if (
        explained.result !== verdict.result ||
        (explained.oneTestAway?.test ?? null) !== verdict.oneTestAway
      )
        throw new Error(`screening plan and evaluator disagree for trial ${trial.id}`);
      const row = {
        participantId,
        trialId: trial.id,
        criteriaVersion: trial.criteriaVersion,
        result: verdict.result,
        oneTestAway: verdict.oneTestAway,
      };
      this.determinations.push({
        ...row,
        asOf,
        leafJudgements: JSON.stringify(encodeStoredExplanation(asOf, explained.judgements)),
      });
      if (decision.determination === 'result')
        this.history.push({ ...row, reasons: JSON.stringify(determinationHistoryReasons(explained)) });
    }
    if (decision.closeFlagsBut)
      this.flagsToClose.push({
        participantId,
        trialId: trial.id,
        keep: decision.closeFlagsBut.keep,
        reason: flagCloseReason(approach, profile.status, verdict, () => explanations.of(trial)),
      });
    if (decision.raiseFlag)
      this.flagsToRaise.push({
        participantId,
        trialId: trial.id,
        kind: decision.raiseFlag,
        test: decision.raiseFlag === 'one_test_away' ? verdict.oneTestAway : null,
        criteriaVersion: trial.criteriaVersion,
      });
  }

  /** How many rows are queued (or, finding writers only, were found), of every kind. */
  get size(): number {
    return (
      this.detected +
      this.determinations.length +
      this.history.length +
      this.flagsToClose.length +
      this.flagsToRaise.length
    );
  }

  readonly determinations: {
    participantId: string;
    trialId: string;
    criteriaVersion: number;
    result: string;
    oneTestAway: string | null;
    asOf: CalendarDate;
    /** The StoredExplanation record as JSON text. */
    leafJudgements: string;
  }[] = [];
  readonly history: {
    participantId: string;
    trialId: string;
    criteriaVersion: number;
    result: string;
    oneTestAway: string | null;
    reasons: string;
  }[] = [];
  readonly flagsToClose: { participantId: string; trialId: string; keep: FlagKind | null; reason: string }[] =
    [];
  readonly flagsToRaise: {
    participantId: string;
    trialId: string;
    kind: FlagKind;
    test: string | null;
    criteriaVersion: number;
  }[] = [];
}

/**
 * Explained determinations of one participant, worked out only when asked: stored explanations, history
 * reasons and flag close reasons need them, and only for determinations that changed. Trials share one
 * leaf cache.
 */
class Explanations {
  // Made on first use: most participants in a re-screen need no explanation at all.
  private leafCache?: Map<string, LeafResult>;
  private byTrial?: Map<string, Determination>;

  constructor(
    private readonly profile: ParticipantProfile,
    private readonly asOf: CalendarDate,
  ) {}

  of(trial: ScreenableTrial): Determination {
    this.byTrial ??= new Map();
    let determination = this.byTrial.get(trial.id);
    if (!determination) {
      determination = evaluateCriteria(trial.criteria.criteria, this.profile, {
        asOf: this.asOf,
        trialId: trial.id,
        leafCache: (this.leafCache ??= new Map()),
      });
      this.byTrial.set(trial.id, determination);
    }
    return determination;
  }
}

/** The participant being screened, with what every trial's verdict about them is weighed against. */
interface Screened {
  participantId: string;
  profile: ParticipantProfile;
  asOf: CalendarDate;
  explanations: Explanations;
  approach: Approachability;
}

/**
 * Evaluates participants against recruiting trials and stores what changed: the determination (with the
 * criteria version, the day it was made for and its leaf judgements, from which the view rebuilds the
 * explanation it was made with), a history row with the reasons, and the flags coordinators act on. One
 * transaction per call; two workers screening the same person take turns on the participant's row lock
 * (see `screen`), and the partial unique index on open flags makes a second flag impossible even so.
 *
 * Work is set-based so that a cohort re-screen costs a handful of statements per batch: each participant's
 * profile is loaded once, a ScreeningPlan judges each distinct leaf once for all trials without words, and
 * only determinations whose result changed are written, explained with evaluateCriteria.
 */
@Injectable()
export class ScreeningService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly calendar: SiteCalendar,
  ) {}

  async recruitingTrials(
    manager: EntityManager = this.dataSource.manager,
    trialIds?: string[],
  ): Promise<ScreenableTrial[]> {
    const rows = await manager.query<
      { id: string; criteria_version: number; document: CriteriaDocument; site_ids: string[] }[]
    >(
      `SELECT t.id, t.criteria_version, v.document, coalesce(array_agg(ts.site_id) FILTER (WHERE ts.site_id IS NOT NULL), '{}') AS site_ids
         FROM trial t
         JOIN trial_criteria_version v ON v.trial_id = t.id AND v.version = t.criteria_version
         LEFT JOIN trial_site ts ON ts.trial_id = t.id
        WHERE t.status = 'recruiting' AND ($1::uuid[] IS NULL OR t.id = ANY($1::uuid[]))
        GROUP BY t.id, t.criteria_version, v.document
        ORDER BY t.id`,
      [trialIds ?? null],
    );
    return rows.map((row) => ({
      id: row.id,
      criteriaVersion: row.criteria_version,
      criteria: row.document,
      siteIds: new Set(row.site_ids),
    }));
  }

  /** Screens the participants in a transaction of their own (see `screenIn`) and writes what changed. */
  screen(participantIds: string[], options: ScreenOptions = {}): Promise<ScreeningOutcome> {
    return this.dataSource.transaction((manager) => this.screenIn(manager, participantIds, options));
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
  async screenIn(
    manager: EntityManager,
    participantIds: string[],
    options: ScreenOptions = {},
  ): Promise<ScreeningOutcome> {
    const todayAt = this.calendar.todayAt(options.now);
    const locking = options.locking ?? 'lock-all';
    const prejudged = options.prejudged;
    if (prejudged && (locking !== 'judge-then-lock-writers' || !options.trials))
      throw new Error(
        'a prejudged batch is screened judge-then-lock-writers, with the trials it was judged for',
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
    const located = prejudged ? undefined : await this.locate(manager, sorted, lockFirst);
    const trials = options.trials ?? (await this.recruitingTrials(manager));
    if (trials.length === 0) return outcome;
    const plan = this.planFor(trials);
    let pass =
      prejudged ??
      this.judge(
        await this.loadInputs(manager, located!, plan, trials, todayAt),
        trials,
        plan,
        lockFirst ? 'write' : 'find-writers',
      );
    outcome.evaluated = pass.evaluated;
    if (!lockFirst && pass.participantsToWrite.length > 0) {
      // Everything found so far concerns exactly these participants: start again for them, locked.
      const relocated = await this.locate(manager, pass.participantsToWrite, true);
      pass = this.judge(
        await this.loadInputs(manager, relocated, plan, trials, todayAt),
        trials,
        plan,
        'write',
      );
    }
    outcome.participantsWritten = pass.participantsToWrite.length;
    outcome.changed = pass.writes.determinations.length;
    outcome.flagsClosed = await this.closeFlags(manager, pass.writes);
    outcome.flagsRaised = await this.raiseFlags(manager, pass.writes);
    await this.storeDeterminations(manager, pass.writes);
    return outcome;
  }

  /** The unlocked pass over a batch read ahead (`loadCohortBatch`): who in it has something to write. */
  prejudge(inputs: ScreeningInput[], trials: ScreenableTrial[]): PrejudgedBatch {
    return this.judge(inputs, trials, this.planFor(trials), 'find-writers');
  }

  /**
   * A cohort run's next batch: the next `limit` participants of the trials' sites after `after` (null: from
   * the first), in participant id order. For 'judge-then-lock-writers': read whole, without locks, for
   * `prejudge`, by one statement that also chooses them, each on the calendar day at their site
   * (`siteTimeZones`, by site id) at `now` (default: the clock's now). For 'lock-all': only chosen, since the
   * batch is read again under lock anyway. Only the participants of the sites in `siteTimeZones` are walked.
   */
  async loadCohortBatch(
    trials: ScreenableTrial[],
    siteTimeZones: ReadonlyMap<string, string>,
    slice: { after: string | null; limit: number },
    locking: BatchLocking,
    now?: Date,
  ): Promise<CohortBatch> {
    const chosen = { siteIds: [...siteTimeZones.keys()], after: slice.after, limit: slice.limit };
    if (locking === 'lock-all')
      return { participants: await chooseCohortParticipants(this.dataSource.manager, chosen) };
    const dayIn = this.calendar.todayAt(now);
    const inputs = await loadCohortScreeningInputs(
      this.dataSource.manager,
      chosen,
      (siteId) => dayIn(siteTimeZones.get(siteId)!),
      trials.map((t) => t.id),
      { assessmentTypes: this.planFor(trials).assessmentTypes },
    );
    return { participants: inputs, inputs };
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

  /**
   * Where each participant is (age and recency are judged on the calendar day at their site), optionally
   * taking their row locks. A row lock rather than an advisory lock per person: a batch of thousands would
   * fill the shared lock table. NO KEY UPDATE lets visits (whose foreign keys take KEY SHARE) be recorded
   * meanwhile; a fixed order means overlapping batches cannot deadlock.
   */
  private locate(manager: EntityManager, sortedIds: string[], lock: boolean) {
    return manager.query<LocatedParticipant[]>(
      `SELECT p.id, s.time_zone FROM participant p JOIN site s ON s.id = p.site_id
        WHERE p.id = ANY($1::text[]) ORDER BY p.id ${lock ? 'FOR NO KEY UPDATE OF p' : ''}`,
      [sortedIds],
    );
  }

  /** Reads the located participants, each on the calendar day at their site (`dayIn` their site's zone). */
  private loadInputs(
    manager: EntityManager,
    located: LocatedParticipant[],
    plan: ScreeningPlan,
    trials: ScreenableTrial[],
    dayIn: (timeZone: string) => CalendarDate,
  ): Promise<ScreeningInput[]> {
    const requests = located.map(({ id, time_zone }) => ({ participantId: id, asOf: dayIn(time_zone) }));
    return loadScreeningInputs(
      manager,
      requests,
      trials.map((t) => t.id),
      { assessmentTypes: plan.assessmentTypes },
    );
  }

  /**
   * Judges the participants against the trials and collects the writes (only finds who has any, in a
   * 'find-writers' pass); nothing is written here.
   */
  private judge(
    inputs: ScreeningInput[],
    trials: ScreenableTrial[],
    plan: ScreeningPlan,
    pass: JudgingPass,
  ): JudgedBatch {
    const writes = new ScreeningWrites(pass);
    const participantsToWrite: string[] = [];
    let evaluated = 0;
    // Filled in for each stored determination in turn (the policy reads it at once): no object per row.
    const stored: StoredVerdict = { criteriaVersion: 0, result: '', oneTestAway: null, explained: true };
    for (const input of inputs) {
      const { siteId, asOf } = input;
      // Built here, one participant at a time, so that it is garbage before the next one (see ScreeningInput).
      const { profile, determinations, openFlags } = input.read();
      const screen = plan.forParticipant(profile, asOf);
      const screened: Screened = {
        participantId: profile.participantId,
        profile,
        asOf,
        explanations: new Explanations(profile, asOf),
        approach: approachability(profile),
      };
      const writesBefore = writes.size;
      for (let index = 0; index < trials.length; index++) {
        const trial = trials[index];
        if (!trial.siteIds.has(siteId)) continue;
        const verdict = screen.verdict(index);
        evaluated++;
        const previous = determinations[index];
        if (previous) {
          [, stored.criteriaVersion, stored.result, stored.oneTestAway] = previous;
          stored.explained = previous[4] !== true;
        }
        const decision = decideTrialScreening(
          screened.approach,
          trial.criteriaVersion,
          verdict,
          previous ? stored : undefined,
          (openFlags[index] as readonly FlagKind[] | undefined) ?? NO_FLAGS,
        );
        if (decision) writes.collect(screened, trial, verdict, decision);
      }
      if (writes.size > writesBefore) participantsToWrite.push(profile.participantId);
    }
    // The inputs are in participant id order: participantsToWrite is sorted.
    return { evaluated, writes, participantsToWrite };
  }

  private async closeFlags(manager: EntityManager, writes: ScreeningWrites): Promise<number> {
    if (writes.flagsToClose.length === 0) return 0;
    const rows = writes.flagsToClose;
    const [, closed] = await manager.query<[unknown, number]>(
      `UPDATE eligibility_flag f SET closed_at = now(), close_reason = c.reason
         FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[]) AS c(participant_id, trial_id, keep, reason)
        WHERE f.participant_id = c.participant_id AND f.trial_id = c.trial_id AND f.closed_at IS NULL
          AND f.kind IS DISTINCT FROM c.keep`,
      [
        rows.map((r) => r.participantId),
        rows.map((r) => r.trialId),
        rows.map((r) => r.keep),
        rows.map((r) => r.reason),
      ],
    );
    return closed;
  }

  /** The next episode of each participant x trial x kind; a retry or a race meets the unique indexes. */
  private async raiseFlags(manager: EntityManager, writes: ScreeningWrites): Promise<number> {
    if (writes.flagsToRaise.length === 0) return 0;
    const rows = writes.flagsToRaise;
    const inserted = await manager.query<{ id: string }[]>(
      `INSERT INTO eligibility_flag (participant_id, trial_id, kind, episode, test, criteria_version)
       SELECT r.participant_id, r.trial_id, r.kind,
              coalesce((SELECT max(f.episode) FROM eligibility_flag f
                         WHERE f.participant_id = r.participant_id AND f.trial_id = r.trial_id AND f.kind = r.kind), 0) + 1,
              r.test, r.criteria_version
         FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::int[]) AS r(participant_id, trial_id, kind, test, criteria_version)
       ON CONFLICT DO NOTHING RETURNING id`,
      [
        rows.map((r) => r.participantId),
        rows.map((r) => r.trialId),
        rows.map((r) => r.kind),
        rows.map((r) => r.test),
        rows.map((r) => r.criteriaVersion),
      ],
    );
    return inserted.length;
  }

  private async storeDeterminations(manager: EntityManager, writes: ScreeningWrites): Promise<void> {
    const rows = writes.determinations;
    if (rows.length > 0) {
      await manager.query(
        `INSERT INTO eligibility_determination (participant_id, trial_id, criteria_version, result, one_test_away, as_of, leaf_judgements, evaluated_at, changed_at)
         SELECT d.participant_id, d.trial_id, d.criteria_version, d.result, d.one_test_away, d.as_of, d.leaf_judgements, now(), now()
           FROM unnest($1::text[], $2::uuid[], $3::int[], $4::text[], $5::text[], $6::date[], $7::json[])
             AS d(participant_id, trial_id, criteria_version, result, one_test_away, as_of, leaf_judgements)
         ON CONFLICT (participant_id, trial_id) DO UPDATE SET criteria_version = EXCLUDED.criteria_version,
           result = EXCLUDED.result, one_test_away = EXCLUDED.one_test_away, as_of = EXCLUDED.as_of,
           leaf_judgements = EXCLUDED.leaf_judgements, evaluated_at = now(),
           -- An explanation written for an unchanged result (see collectDetermination) is not a change.
           changed_at = CASE WHEN (eligibility_determination.criteria_version, eligibility_determination.result,
                                   eligibility_determination.one_test_away)
                                  IS DISTINCT FROM (EXCLUDED.criteria_version, EXCLUDED.result, EXCLUDED.one_test_away)
                             THEN now() ELSE eligibility_determination.changed_at END`,
        [
          rows.map((r) => r.participantId),
          rows.map((r) => r.trialId),
          rows.map((r) => r.criteriaVersion),
          rows.map((r) => r.result),
          rows.map((r) => r.oneTestAway),
          rows.map((r) => r.asOf),
          rows.map((r) => r.leafJudgements),
        ],
      );
    }
    const history = writes.history;
    if (history.length > 0) {
      await manager.query(
        `INSERT INTO eligibility_determination_history (participant_id, trial_id, criteria_version, result, one_test_away, reasons)
         SELECT * FROM unnest($1::text[], $2::uuid[], $3::int[], $4::text[], $5::text[], $6::jsonb[])`,
        [
          history.map((r) => r.participantId),
          history.map((r) => r.trialId),
          history.map((r) => r.criteriaVersion),
          history.map((r) => r.result),
          history.map((r) => r.oneTestAway),
          history.map((r) => r.reasons),
        ],
      );
    }
  }
}
