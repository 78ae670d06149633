import { AmyloidModality, AmyloidStatus } from '../biomarkers/amyloid-status';
import { ParticipantStatus } from '../participants/participant-status';
import { ageOn, CalendarDate, daysBetween } from '../schedule/calendar';
import type { AmyloidCriterion, Criterion, MeasureCriterion } from './criteria';
import type { DecidedDetermination, DecidingLeaf, ExplanationNode } from './explanation';
import { decideJudgements, explainJudgements } from './explanation';
import { ASSESSMENT_OF_AMYLOID_MODALITY } from './latest-results';
import { MEASURES, MeasureDefinition, observationKey } from './measures';

/** The latest value of one measure for one participant, with the day it was obtained. */
export interface Observation {
  value: number | string | boolean;
  date: CalendarDate;
}

/** Everything the evaluator needs about one participant, loaded once and shared by every trial. */
export interface ParticipantProfile {
  participantId: string;
  birthDate: CalendarDate;
  sex: string;
  educationYears: number;
  apoeGenotype: string;
  familyHistory: boolean | null;
  familyHistoryOnsetAge: number | null;
  studyPartnerAvailable: boolean;
  status: ParticipantStatus;
  consentScopes: readonly string[];
  /** Trials this participant is referred to or enrolled in, through the registry. */
  trialCommitments: readonly string[];
  /** Latest value per observationKey(measure, qualifier). */
  observations: Readonly<Record<string, Observation>>;
  /** Latest known amyloid status per modality. */
  amyloid: Readonly<Partial<Record<AmyloidModality, { status: AmyloidStatus; date: CalendarDate }>>>;
}

export type Outcome = 'pass' | 'fail' | 'unknown';
export type EligibilityResult = 'eligible' | 'ineligible' | 'undetermined';

export interface LeafExplanation {
  /** JSON path of the leaf in the criteria document. */
  path: string;
  criterion: string;
  outcome: Outcome;
  value?: unknown;
  date?: CalendarDate;
  /** For unknown leaves: what would decide it. */
  needs?: string;
  /** For unknown leaves: the assessments (or other facts) any one of which would decide it. */
  tests?: string[];
}

export interface Determination {
  result: EligibilityResult;
  /** Set when the participant is undetermined only for lack of one test, which is named. */
  oneTestAway: { test: string; needs: string[] } | null;
  /** Every leaf, in document order. */
  leaves: LeafExplanation[];
  /** The criteria as a tree, each node with its result: how the leaves combine into the result. */
  tree: ExplanationNode;
  /** The leaves that decided the result (not, say, the failing alternatives of a passing `any`). */
  summary: DecidingLeaf[];
  /** Each leaf's judgement in document order: all a stored determination keeps to be explained again. */
  judgements: LeafJudgement[];
}

export interface EvaluationContext {
  asOf: CalendarDate;
  /** The trial being evaluated: a commitment to it is not "another trial". */
  trialId?: string;
  /**
   * Leaf results already worked out for this participant on this day. Pass one new cache per participant
   * to every trial's evaluation: trials share most leaves (age bands, cognition, MRI safety, consent), and
   * each distinct leaf is then evaluated once rather than once per trial.
   */
  leafCache?: Map<string, LeafResult>;
}

/**
 * Evaluates criteria with Kleene's three-valued logic: `all` fails if any part fails and is unknown if none
 * fails but some are unknown; `any` mirrors it; `not` swaps pass and fail. Every leaf is explained, and the
 * whole is explained as a tree (see explainJudgements).
 */
export function evaluateCriteria(
  criteria: Criterion,
  profile: ParticipantProfile,
  context: EvaluationContext,
): Determination {
  return explainJudgements(criteria, judgeCriteriaLeaves(criteria, profile, context));
}

/**
 * `evaluateCriteria` without the tree and the words of the leaves that decided nothing: what screening writes
 * (see `decideJudgements`).
 */
export function decideCriteria(
  criteria: Criterion,
  profile: ParticipantProfile,
  context: EvaluationContext,
): DecidedDetermination {
  return decideJudgements(criteria, judgeCriteriaLeaves(criteria, profile, context));
}

/** Each leaf of the criteria judged for the participant on the context's day, in document order. */
export function judgeCriteriaLeaves(
  criteria: Criterion,
  profile: ParticipantProfile,
  context: EvaluationContext,
): LeafJudgement[] {
  const judgements: LeafJudgement[] = [];
  const visit = (node: Criterion): void => {
    if (isLeaf(node)) judgements.push(cachedLeaf(node, profile, context));
    else if (node.type === 'not') visit(node.of);
    else node.of.forEach(visit);
  };
  visit(criteria);
  return judgements;
}

/** What a leaf cache holds: a leaf's judgement for one participant on one day. */
export type LeafResult = LeafJudgement;

/** A criterion that is not a combinator. */
export type Leaf = Exclude<Criterion, { type: 'all' | 'any' | 'not' }>;

export function isLeaf(node: Criterion): node is Leaf {
  return node.type !== 'all' && node.type !== 'any' && node.type !== 'not';
}

/**
 * What a leaf comes to for one participant, before it is put into words: the outcome and the facts it
 * rests on. Screening a cohort needs only the outcome; explanations are built from the rest on demand.
 */
export interface LeafJudgement {
  outcome: Outcome;
  /** The value the leaf used, if any (an unknown leaf may still have one: a result too old to count). */
  value?: unknown;
  /** The day of the result used, for leaves read from assessments. */
  date?: CalendarDate;
  /** Amyloid leaves: the modality of the result used. */
  modality?: AmyloidModality;
}

/** Whether someone is in "another" trial depends on which trial asks; every other leaf does not. */
export function leafDependsOnTrial(node: Leaf): boolean {
  return node.type === 'not_in_other_trial';
}

/** The tests (assessments or facts to collect), any one of which could decide this leaf when it is unknown. */
export function leafTests(node: Leaf): string[] | undefined {
  switch (node.type) {
    case 'apoe_e4_alleles':
      return ['apoe_genotype'];
    case 'family_history':
      return ['family_history'];
    case 'amyloid':
      return node.modalities.map((m) => ASSESSMENT_OF_AMYLOID_MODALITY[m]);
    case 'measure':
      return [MEASURES[node.measure].assessment];
    default:
      return undefined;
  }
}

/** Each leaf object's canonical text, computed once: criteria documents are loaded once and reused. */
const leafKeys = new WeakMap<Leaf, string>();

/** A text equal for equal leaves: what leaf caches and screening plans share work by. */
export function leafKey(node: Leaf): string {
  let key = leafKeys.get(node);
  if (key === undefined) leafKeys.set(node, (key = JSON.stringify(node)));
  return key;
}

function cachedLeaf(node: Leaf, profile: ParticipantProfile, context: EvaluationContext): LeafJudgement {
  if (!context.leafCache || leafDependsOnTrial(node)) return judgeLeaf(node, profile, context);
  const key = leafKey(node);
  let leaf = context.leafCache.get(key);
  if (!leaf) context.leafCache.set(key, (leaf = judgeLeaf(node, profile, context)));
  return leaf;
}

// Most participants are committed to no trial: they share this instead of an empty array each.
const NO_COMMITMENTS: readonly string[] = Object.freeze([]);

/** Judges one leaf for one participant on the context's day. */
export function judgeLeaf(node: Leaf, p: ParticipantProfile, context: EvaluationContext): LeafJudgement {
  switch (node.type) {
    case 'age': {
      const age = ageOn(p.birthDate, context.asOf);
      return { outcome: passIf(inRange(age, node.min, node.max)), value: age };
    }
    case 'sex':
      return { outcome: passIf(node.in.includes(p.sex)), value: p.sex };
    case 'education_years':
      return { outcome: passIf(inRange(p.educationYears, node.min, node.max)), value: p.educationYears };
    case 'apoe_e4_alleles': {
      if (p.apoeGenotype === 'unknown') return { outcome: 'unknown' };
      const alleles = (p.apoeGenotype.match(/e4/g) ?? []).length;
      return { outcome: passIf(inRange(alleles, node.min, node.max)), value: alleles };
    }
    case 'family_history': {
      if (p.familyHistory === null) return { outcome: 'unknown' };
      if (!p.familyHistory) return { outcome: 'fail', value: false };
      if (node.onsetBeforeAge === undefined) return { outcome: 'pass', value: true };
      // A relative with dementia but no known age at onset: the onset rule cannot be judged yet.
      if (p.familyHistoryOnsetAge === null) return { outcome: 'unknown', value: true };
      return {
        outcome: passIf(p.familyHistoryOnsetAge < node.onsetBeforeAge),
        value: p.familyHistoryOnsetAge,
      };
    }
    case 'study_partner':
      return { outcome: passIf(p.studyPartnerAvailable), value: p.studyPartnerAvailable };
    case 'status':
      return { outcome: passIf(node.in.includes(p.status)), value: p.status };
    case 'consent': {
      const held = p.consentScopes.includes(node.scope);
      return { outcome: passIf(held), value: held };
    }
    case 'not_in_other_trial': {
      const others =
        p.trialCommitments.length === 0
          ? NO_COMMITMENTS
          : p.trialCommitments.filter((trialId) => trialId !== context.trialId);
      const inTrial =
        p.status === ParticipantStatus.InTrial && !p.trialCommitments.includes(context.trialId ?? '');
      return { outcome: passIf(others.length === 0 && !inTrial), value: others };
    }
    case 'amyloid':
      return judgeAmyloid(node, p, context);
    case 'measure':
      return judgeMeasure(node, p, context);
  }
}

function judgeAmyloid(
  node: Extract<Criterion, { type: 'amyloid' }>,
  p: ParticipantProfile,
  context: EvaluationContext,
): LeafJudgement {
  if (node.decidedBy === 'any_modality') return judgeAmyloidByAnyModality(node, p, context);
  // The most recent result among the accepted modalities decides. (No intermediate objects: a cohort
  // re-screen judges millions of these leaves.)
  let latestModality: AmyloidModality | undefined;
  let latest: { status: AmyloidStatus; date: CalendarDate } | undefined;
  for (const modality of node.modalities) {
    const result = p.amyloid[modality];
    if (!result || result.status === AmyloidStatus.Unknown) continue;
    if (!latest || result.date > latest.date) {
      latest = result;
      latestModality = modality;
    }
  }
  if (!latest) return { outcome: 'unknown' };
  const outcome: Outcome =
    node.maxAgeDays && daysBetween(latest.date, context.asOf) > node.maxAgeDays
      ? 'unknown'
      : passIf(node.in.includes(latest.status));
  return { outcome, value: latest.status, date: latest.date, modality: latestModality };
}

/** Each accepted modality's own latest result counts: any one in the band passes (see AmyloidCriterion). */
function judgeAmyloidByAnyModality(
  node: AmyloidCriterion,
  p: ParticipantProfile,
  context: EvaluationContext,
): LeafJudgement {
  let latestOutside: LeafJudgement | undefined;
  let latestTooOld: LeafJudgement | undefined;
  for (const modality of node.modalities) {
    const result = p.amyloid[modality];
    if (!result || result.status === AmyloidStatus.Unknown) continue;
    const facts = { value: result.status, date: result.date, modality };
    if (node.maxAgeDays && daysBetween(result.date, context.asOf) > node.maxAgeDays) {
      if (!latestTooOld || result.date > latestTooOld.date!) latestTooOld = { outcome: 'unknown', ...facts };
    } else if (node.in.includes(result.status)) {
      return { outcome: 'pass', ...facts };
    } else if (!latestOutside || result.date > latestOutside.date!) {
      latestOutside = { outcome: 'fail', ...facts };
    }
  }
  return latestOutside ?? latestTooOld ?? { outcome: 'unknown' };
}

function judgeMeasure(
  node: MeasureCriterion,
  p: ParticipantProfile,
  context: EvaluationContext,
): LeafJudgement {
  const observation = p.observations[observationKey(node.measure, node.qualifier)];
  if (!observation) return { outcome: 'unknown' };
  const outcome: Outcome =
    node.maxAgeDays && daysBetween(observation.date, context.asOf) > node.maxAgeDays
      ? 'unknown'
      : passIf(compare(observation.value, node));
  return { outcome, value: observation.value, date: observation.date };
}

/** Puts a judged leaf into words: what it asks, and for an unknown one what would decide it. */
export function explainLeaf(node: Leaf, judged: LeafJudgement): Omit<LeafExplanation, 'path'> {
  const { outcome, value, date } = judged;
  const unknown = (needs: string): Omit<LeafExplanation, 'path'> => ({
    criterion: criterionText(node),
    outcome,
    ...(value !== undefined ? { value } : {}),
    ...(date !== undefined ? { date } : {}),
    needs,
    tests: leafTests(node),
  });
  if (outcome === 'unknown') {
    switch (node.type) {
      case 'apoe_e4_alleles':
        return unknown('needs APOE genotyping');
      case 'family_history':
        return unknown(value === undefined ? 'needs family history' : "needs the relative's age at onset");
      case 'amyloid': {
        const wanted = `needs ${modalityNames(node.modalities).join(' or ')}${windowText(node.maxAgeDays)}`;
        return unknown(
          date === undefined
            ? wanted
            : `${judged.modality} result of ${date} is older than ${node.maxAgeDays} days: ${wanted}`,
        );
      }
      case 'measure': {
        const label = measureLabel(node);
        return unknown(
          date === undefined
            ? `needs ${label}${windowText(node.maxAgeDays)}`
            : `${label} of ${date} is older than ${node.maxAgeDays} days`,
        );
      }
      default:
        return unknown(`needs ${criterionText(node)}`);
    }
  }
  return {
    criterion: criterionText(node),
    outcome,
    value,
    ...(date !== undefined ? { date } : {}),
  };
}

export function criterionText(node: Leaf): string {
  switch (node.type) {
    case 'age':
      return `age ${rangeText(node.min, node.max)}`;
    case 'sex':
      return `sex in ${node.in.join(', ')}`;
    case 'education_years':
      return `education ${rangeText(node.min, node.max)} years`;
    case 'apoe_e4_alleles':
      return `APOE e4 alleles ${rangeText(node.min, node.max)}`;
    case 'family_history':
      return `first-degree family history of dementia${node.onsetBeforeAge ? ` with onset before ${node.onsetBeforeAge}` : ''}`;
    case 'study_partner':
      return 'study partner available';
    case 'status':
      return `registry status in ${node.in.join(', ')}`;
    case 'consent':
      return `consent to ${node.scope}`;
    case 'not_in_other_trial':
      return 'not referred to or in another trial';
    case 'amyloid':
      return `amyloid ${node.in.join(' or ')} by ${modalityNames(node.modalities).join(' or ')}${windowText(node.maxAgeDays)}`;
    case 'measure':
      return `${measureLabel(node)} ${comparisonText(node)}${windowText(node.maxAgeDays)}`;
  }
}

/** The fact a decided leaf rested on, in words: the value it used (and its date, for results). */
export function leafFactText(node: Leaf, judged: LeafJudgement): string {
  const { value, date } = judged;
  const on = date !== undefined ? ` on ${date}` : '';
  switch (node.type) {
    case 'age':
      return `aged ${String(value)}`;
    case 'sex':
      return `sex ${String(value)}`;
    case 'education_years':
      return `${String(value)} years of education`;
    case 'apoe_e4_alleles':
      return `${String(value)} APOE e4 allele${value === 1 ? '' : 's'}`;
    case 'family_history':
      return value === false
        ? 'no first-degree relative with dementia'
        : typeof value === 'number'
          ? `a first-degree relative with onset at ${value}`
          : 'a first-degree relative with dementia';
    case 'study_partner':
      return value ? 'a study partner is available' : 'no study partner';
    case 'status':
      return `registry status ${String(value)}`;
    case 'consent':
      return value ? `consent to ${node.scope} held` : `no consent to ${node.scope}`;
    case 'not_in_other_trial': {
      const others = Array.isArray(value) ? value.length : 0;
      return others > 0
        ? `referred to or in ${others} other trial${others === 1 ? '' : 's'}`
        : judged.outcome === 'pass'
          ? 'in no other trial'
          : 'in a trial (registry status in_trial)';
    }
    case 'amyloid':
      return `amyloid ${String(value)} by ${modalityNames(judged.modality ? [judged.modality] : [])[0] ?? 'an accepted modality'}${on}`;
    case 'measure':
      return `${measureLabel(node)} ${String(value)}${on}`;
  }
}

const modalityNames = (modalities: readonly AmyloidModality[]) =>
  modalities.map((m) =>
    m === AmyloidModality.Pet ? 'amyloid PET' : m === AmyloidModality.Csf ? 'CSF' : 'plasma',
  );
const windowText = (maxAgeDays?: number) => (maxAgeDays ? ` within ${maxAgeDays} days` : '');

function measureLabel(node: MeasureCriterion): string {
  const definition: MeasureDefinition = MEASURES[node.measure];
  return `${definition.label}${node.qualifier ? ` (${node.qualifier})` : ''}`;
}

function compare(value: number | string | boolean, node: MeasureCriterion): boolean {
  switch (node.comparator) {
    case '=':
      return value === node.value;
    case 'in':
      return (node.values ?? []).includes(value);
    case 'between':
      return typeof value === 'number' && value >= node.min! && value <= node.max!;
    case '<':
      return typeof value === 'number' && value < (node.value as number);
    case '<=':
      return typeof value === 'number' && value <= (node.value as number);
    case '>':
      return typeof value === 'number' && value > (node.value as number);
    case '>=':
      return typeof value === 'number' && value >= (node.value as number);
  }
}

function comparisonText(node: MeasureCriterion): string {
  if (node.comparator === 'between') return `between ${node.min} and ${node.max}`;
  if (node.comparator === 'in') return `in ${(node.values ?? []).join(', ')}`;
  return `${node.comparator} ${String(node.value)}`;
}

const passIf = (condition: boolean): Outcome => (condition ? 'pass' : 'fail');
const inRange = (value: number, min?: number, max?: number) =>
  (min === undefined || value >= min) && (max === undefined || value <= max);
const rangeText = (min?: number, max?: number) =>
  min !== undefined && max !== undefined ? `${min}-${max}` : min !== undefined ? `>= ${min}` : `<= ${max}`;
