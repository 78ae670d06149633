import { EligibilityResult } from '@registry/domain';
import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
} from 'typeorm';
import type { Relation } from 'typeorm';
import { ParticipantEntity } from './participant.entity';
import { SiteEntity } from './site.entity';
import { TrialEntity } from './trial.entity';

const RESULT_CHECK = `"result" IN ('eligible', 'ineligible', 'undetermined')`;

/**
 * The current determination of one participant for one trial, with the leaf judgements it was made from:
 * with the criteria version's document they rebuild its explanation exactly (see the eligibility view).
 *
 * The primary key INCLUDEs criteria_version, result, one_test_away and changes_with_time_on, which TypeORM
 * cannot declare: a re-screen reads them from the key alone (migration DeterminationCoveringKey).
 */
@Entity({ name: 'eligibility_determination' })
@Index('eligibility_determination_trial_idx', ['trialId', 'result'])
@Index('eligibility_determination_time_change_idx', ['trialId', 'changesWithTimeOn'])
// Rows stored before explanations were kept, which screening re-writes with one (empty once all have one).
@Index('eligibility_determination_unexplained_idx', ['participantId'], { where: '"leaf_judgements" IS NULL' })
@Check('eligibility_determination_result_valid', RESULT_CHECK)
export class EligibilityDeterminationEntity {
  @PrimaryColumn({
    name: 'participant_id',
    type: 'text',
    primaryKeyConstraintName: 'eligibility_determination_pkey',
  })
  participantId: string;

  @PrimaryColumn({
    name: 'trial_id',
    type: 'uuid',
    primaryKeyConstraintName: 'eligibility_determination_pkey',
  })
  trialId: string;

  @ManyToOne(() => ParticipantEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({
    name: 'participant_id',
    foreignKeyConstraintName: 'eligibility_determination_participant_fk',
  })
  participant?: Relation<ParticipantEntity>;

  @ManyToOne(() => TrialEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'trial_id', foreignKeyConstraintName: 'eligibility_determination_trial_fk' })
  trial?: Relation<TrialEntity>;

  @Column({ name: 'criteria_version', type: 'integer' })
  criteriaVersion: number;

  @Column({ type: 'text' })
  result: EligibilityResult;

  /** The one test that would decide an undetermined participant, if there is one. */
  @Column({ name: 'one_test_away', type: 'text', nullable: true })
  oneTestAway: string | null;

  /** The calendar day the criteria were evaluated for. */
  @Column({ name: 'as_of', type: 'date' })
  asOf: string;

  /** When the result and its leaf judgements were computed (screening keeps them until the result changes). */
  @Column({ name: 'evaluated_at', type: 'timestamptz' })
  evaluatedAt: Date;

  /**
   * The domain's StoredExplanation record (decodeStoredExplanation reads it): each leaf's judgement on
   * `asOf`, written by the same statement as the result. Null only on rows stored before it was kept.
   */
  @Column({ name: 'leaf_judgements', type: 'json', nullable: true })
  leafJudgements: unknown;

  /** When the result (or one-test-away) last changed. */
  @Column({ name: 'changed_at', type: 'timestamptz' })
  changedAt: Date;

  /**
   * The first day the determination could change with time alone (the domain's `nextChangeWithTime`):
   * 'infinity' when it never can, '-infinity' when not computed yet (rows stored before it was kept), which
   * the next daily re-screen treats as due.
   */
  @Column({ name: 'changes_with_time_on', type: 'date', default: () => "'-infinity'" })
  changesWithTimeOn: string;
}

/** One row per change of a determination: when someone became eligible, stopped being so, and why. */
@Entity({ name: 'eligibility_determination_history' })
@Index('eligibility_history_participant_idx', ['participantId', 'trialId', 'id'])
@Check('eligibility_history_result_valid', RESULT_CHECK)
export class EligibilityHistoryEntity {
  @PrimaryGeneratedColumn({
    type: 'bigint',
    primaryKeyConstraintName: 'eligibility_determination_history_pkey',
  })
  id: string;

  @Column({ name: 'participant_id', type: 'text' })
  participantId: string;

  @Column({ name: 'trial_id', type: 'uuid' })
  trialId: string;

  @Column({ name: 'criteria_version', type: 'integer' })
  criteriaVersion: number;

  @Column({ type: 'text' })
  result: EligibilityResult;

  @Column({ name: 'one_test_away', type: 'text', nullable: true })
  oneTestAway: string | null;

  /** The leaves that failed or were unknown, in words. */
  @Column({ type: 'jsonb' })
  reasons: string[];

  @CreateDateColumn({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt: Date;
}

/**
 * A participant newly eligible (or one test away) for a trial: one row per participant, trial, kind and
 * episode. The partial unique index allows one open flag per participant, trial and kind, so retried jobs
 * and racing workers cannot raise a second one.
 */
@Entity({ name: 'eligibility_flag' })
@Index('eligibility_flag_episode_key', ['participantId', 'trialId', 'kind', 'episode'], { unique: true })
@Index('eligibility_flag_open_key', ['participantId', 'trialId', 'kind'], {
  unique: true,
  where: '"closed_at" IS NULL',
})
@Index('eligibility_flag_trial_idx', ['trialId', 'closedAt'])
@Check('eligibility_flag_kind_valid', `"kind" IN ('eligible', 'one_test_away')`)
@Check('eligibility_flag_episode_positive', `"episode" >= 1`)
@Check('eligibility_flag_close_reason', `("closed_at" IS NULL) = ("close_reason" IS NULL)`)
export class EligibilityFlagEntity {
  /** Time-ordered (UUID version 7, migration FlagTimeOrderedIds): new flags are added at the key's right edge. */
  @PrimaryColumn({
    type: 'uuid',
    default: () => 'uuid_time_ordered()',
    primaryKeyConstraintName: 'eligibility_flag_pkey',
  })
  id: string;

  @Column({ name: 'participant_id', type: 'text' })
  participantId: string;

  @ManyToOne(() => ParticipantEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'participant_id', foreignKeyConstraintName: 'eligibility_flag_participant_fk' })
  participant?: Relation<ParticipantEntity>;

  @Column({ name: 'trial_id', type: 'uuid' })
  trialId: string;

  @ManyToOne(() => TrialEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'trial_id', foreignKeyConstraintName: 'eligibility_flag_trial_fk' })
  trial?: Relation<TrialEntity>;

  @Column({ type: 'text' })
  kind: 'eligible' | 'one_test_away';

  @Column({ type: 'integer' })
  episode: number;

  /** For one_test_away flags: the test that would decide. */
  @Column({ type: 'text', nullable: true })
  test: string | null;

  @Column({ name: 'criteria_version', type: 'integer' })
  criteriaVersion: number;

  @CreateDateColumn({ name: 'raised_at', type: 'timestamptz' })
  raisedAt: Date;

  @Column({ name: 'acknowledged_at', type: 'timestamptz', nullable: true })
  acknowledgedAt: Date | null;

  @Column({ name: 'acknowledged_by', type: 'uuid', nullable: true })
  acknowledgedBy: string | null;

  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true })
  closedAt: Date | null;

  @Column({ name: 'close_reason', type: 'text', nullable: true })
  closeReason: string | null;
}

/**
 * One site's daily re-screen for one calendar day at the site: the key that makes it happen once, whoever
 * asks (a retried tick, a second worker). Created with its screening runs and the outbox event that starts
 * them, in one transaction.
 */
@Entity({ name: 'daily_rescreen' })
@Index('daily_rescreen_site_day_key', ['siteId', 'forDate'], { unique: true })
export class DailyRescreenEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'daily_rescreen_pkey' })
  id: string;

  @Column({ name: 'site_id', type: 'uuid' })
  siteId: string;

  @ManyToOne(() => SiteEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'site_id', foreignKeyConstraintName: 'daily_rescreen_site_fk' })
  site?: Relation<SiteEntity>;

  /** The calendar day at the site whose re-screen this is. */
  @Column({ name: 'for_date', type: 'date' })
  forDate: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/**
 * A re-screen for one trial and criteria version, of the trial's whole cohort or of one site's part of it,
 * walked in partitions (`screening_partition`), each resumable from its cursor; `done` sums their batches.
 */
@Entity({ name: 'screening_run' })
@Index('screening_run_trial_idx', ['trialId', 'startedAt'])
@Index('screening_run_daily_rescreen_trial_key', ['dailyRescreenId', 'trialId'], { unique: true })
@Check('screening_run_progress', `"done" >= 0 AND "done" <= "total"`)
export class ScreeningRunEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'screening_run_pkey' })
  id: string;

  @Column({ name: 'trial_id', type: 'uuid' })
  trialId: string;

  @ManyToOne(() => TrialEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'trial_id', foreignKeyConstraintName: 'screening_run_trial_fk' })
  trial?: Relation<TrialEntity>;

  @Column({ name: 'criteria_version', type: 'integer' })
  criteriaVersion: number;

  /** Screens only this site's participants (a site's daily re-screen); null: those of every site of the trial. */
  @Column({ name: 'site_id', type: 'uuid', nullable: true })
  siteId: string | null;

  @ManyToOne(() => SiteEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'site_id', foreignKeyConstraintName: 'screening_run_site_fk' })
  site?: Relation<SiteEntity>;

  /** The site's daily re-screen this run belongs to, if any: one run per trial and daily re-screen. */
  @Column({ name: 'daily_rescreen_id', type: 'uuid', nullable: true })
  dailyRescreenId: string | null;

  @ManyToOne(() => DailyRescreenEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'daily_rescreen_id', foreignKeyConstraintName: 'screening_run_daily_rescreen_fk' })
  dailyRescreen?: Relation<DailyRescreenEntity>;

  @Column({ type: 'text' })
  cause: string;

  @Column({ type: 'integer' })
  total: number;

  @Column({ type: 'integer', default: 0 })
  done: number;

  @CreateDateColumn({ name: 'started_at', type: 'timestamptz' })
  startedAt: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;
}

/**
 * One participant id range of a cohort run (the screening runs one job walks together, named by their first
 * run), walked by a job of its own: after `after_id` (exclusive) through `through_id` (inclusive), null
 * being open at that end, so that the partitions of a run cover every participant id exactly once. Its
 * cursor moves in the transaction of each batch it covers, so a partition's job killed mid-way resumes after
 * its last committed batch; the last partition to finish ends the runs.
 */
@Entity({ name: 'screening_partition' })
@Index('screening_partition_run_ordinal_key', ['runId', 'ordinal'], { unique: true })
// One partition open at each end per run: the ranges start at the first participant and reach the last.
@Index('screening_partition_run_first_key', ['runId'], { unique: true, where: '"after_id" IS NULL' })
@Index('screening_partition_run_last_key', ['runId'], { unique: true, where: '"through_id" IS NULL' })
@Check('screening_partition_ordinal_valid', `"ordinal" >= 0`)
@Check('screening_partition_screened_valid', `"screened" >= 0`)
@Check(
  'screening_partition_bounds',
  `"after_id" IS NULL OR "through_id" IS NULL OR "after_id" < "through_id"`,
)
// A cursor outside its range would walk (or skip) another partition's participants.
@Check(
  'screening_partition_cursor_in_range',
  `"cursor" IS NULL OR (("after_id" IS NULL OR "cursor" > "after_id") AND ("through_id" IS NULL OR "cursor" <= "through_id"))`,
)
export class ScreeningPartitionEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'screening_partition_pkey' })
  id: string;

  /** The first of the runs walked together (the lowest id). */
  @Column({ name: 'run_id', type: 'uuid' })
  runId: string;

  @ManyToOne(() => ScreeningRunEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'run_id', foreignKeyConstraintName: 'screening_partition_run_fk' })
  run?: Relation<ScreeningRunEntity>;

  /** 0 for the range of the lowest ids. */
  @Column({ type: 'integer' })
  ordinal: number;

  /** The range starts after this participant id; null: at the first. */
  @Column({ name: 'after_id', type: 'text', nullable: true })
  afterId: string | null;

  /** The range ends with this participant id; null: at the last. */
  @Column({ name: 'through_id', type: 'text', nullable: true })
  throughId: string | null;

  /** The last participant id screened; null before the first batch committed. */
  @Column({ type: 'text', nullable: true })
  cursor: string | null;

  /** Participants screened in the range so far. */
  @Column({ type: 'integer', default: 0 })
  screened: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;
}
