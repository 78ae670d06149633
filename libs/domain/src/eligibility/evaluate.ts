import { AmyloidModality, AmyloidStatus } from '../biomarkers/amyloid-status';
import { AssessmentType } from '../instruments/assessments';
import { ParticipantStatus } from '../participants/participant-status';
import { ageOn, CalendarDate, daysBetween } from '../schedule/calendar';
import type { Criterion, MeasureCriterion } from './criteria';
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
  leaves: LeafExplanation[];
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

/** The assessment that gives an amyloid status of each modality. */
const MODALITY_TEST: Record<AmyloidModality, string> = {
  [AmyloidModality.Pet]: AssessmentType.AmyloidPet,
  [AmyloidModality.Csf]: AssessmentType.Csf,
  [AmyloidModality.Plasma]: AssessmentType.Plasma,
};

const RESULT: Record<Outcome, EligibilityResult> = {
  pass: 'eligible',
  fail: 'ineligible',
  unknown: 'undetermined',
};

/**
 * Evaluates criteria with Kleene's three-valued logic: `all` fails if any part fails and is unknown if none
 * fails but some are unknown; `any` mirrors it; `not` swaps pass and fail. Every leaf is explained.
 */
export function evaluateCriteria(
  criteria: Criterion,
  profile: ParticipantProfile,
  context: EvaluationContext,
): Determination {
  const leaves: LeafExplanation[] = [];
  const outcome = evaluateNode(criteria, profile, context, '$.criteria', leaves, undefined);
  if (outcome !== 'unknown') return { result: RESULT[outcome], oneTestAway: null, leaves };

  const unknownLeaves = leaves.filter((l) => l.outcome === 'unknown');
  const candidates = [...new Set(unknownLeaves.flatMap((l) => l.tests ?? []))];
  for (const test of candidates) {
    // If this one test came out right, would the participant be eligible?
    if (evaluateNode(criteria, profile, context, '$.criteria', [], test) === 'pass') {
      const needs = unknownLeaves.filter((l) => l.tests?.includes(test)).map((l) => l.needs!);
      return { result: 'undetermined', oneTestAway: { test, needs }, leaves };
    }
  }
  return { result: 'undetermined', oneTestAway: null, leaves };
}

function evaluateNode(
  node: Criterion,
  profile: ParticipantProfile,
  context: EvaluationContext,
  path: string,
  leaves: LeafExplanation[],
  assumePassing: string | undefined,
): Outcome {
  switch (node.type) {
    case 'all': {
      const outcomes = node.of.map((child, i) =>
        evaluateNode(child, profile, context, `${path}.of[${i}]`, leaves, assumePassing),
      );
      return outcomes.includes('fail') ? 'fail' : outcomes.includes('unknown') ? 'unknown' : 'pass';
    }
    case 'any': {
      const outcomes = node.of.map((child, i) =>
        evaluateNode(child, profile, context, `${path}.of[${i}]`, leaves, assumePassing),
      );
      return outcomes.includes('pass') ? 'pass' : outcomes.includes('unknown') ? 'unknown' : 'fail';
    }
    case 'not': {
      const inner = evaluateNode(node.of, profile, context, `${path}.of`, leaves, assumePassing);
      return inner === 'pass' ? 'fail' : inner === 'fail' ? 'pass' : 'unknown';
    }
    default: {
      const leaf = cachedLeaf(node, profile, context);
      leaves.push({ path, ...leaf });
      if (leaf.outcome === 'unknown' && assumePassing !== undefined && leaf.tests?.includes(assumePassing)) {
        return 'pass';
      }
      return leaf.outcome;
    }
  }
}

export type LeafResult = Omit<LeafExplanation, 'path'>;

type Leaf = Exclude<Criterion, { type: 'all' | 'any' | 'not' }>;

/** Each leaf object's canonical text, computed once: criteria documents are loaded once and reused. */
const leafKeys = new WeakMap<Leaf, string>();

function cachedLeaf(node: Leaf, profile: ParticipantProfile, context: EvaluationContext): LeafResult {
  // Whether someone is in "another" trial depends on which trial asks.
  if (!context.leafCache || node.type === 'not_in_other_trial') return evaluateLeaf(node, profile, context);
  let key = leafKeys.get(node);
  if (key === undefined) leafKeys.set(node, (key = JSON.stringify(node)));
  let leaf = context.leafCache.get(key);
  if (!leaf) context.leafCache.set(key, (leaf = evaluateLeaf(node, profile, context)));
  return leaf;
}

function evaluateLeaf(node: Leaf, p: ParticipantProfile, context: EvaluationContext): LeafResult {
  switch (node.type) {
    case 'age': {
      const age = ageOn(p.birthDate, context.asOf);
      return {
        criterion: `age ${rangeText(node.min, node.max)}`,
        outcome: passIf(inRange(age, node.min, node.max)),
        value: age,
      };
    }
    case 'sex':
      return {
        criterion: `sex in ${node.in.join(', ')}`,
        outcome: passIf(node.in.includes(p.sex)),
        value: p.sex,
      };
    case 'education_years':
      return {
        criterion: `education ${rangeText(node.min, node.max)} years`,
        outcome: passIf(inRange(p.educationYears, node.min, node.max)),
        value: p.educationYears,
      };
    case 'apoe_e4_alleles': {
      const criterion = `APOE e4 alleles ${rangeText(node.min, node.max)}`;
      if (p.apoeGenotype === 'unknown')
        return { criterion, outcome: 'unknown', needs: 'needs APOE genotyping', tests: ['apoe_genotype'] };
      const alleles = (p.apoeGenotype.match(/e4/g) ?? []).length;
      return { criterion, outcome: passIf(inRange(alleles, node.min, node.max)), value: alleles };
    }
    case 'family_history': {
      const criterion = `first-degree family history of dementia${node.onsetBeforeAge ? ` with onset before ${node.onsetBeforeAge}` : ''}`;
      if (p.familyHistory === null)
        return { criterion, outcome: 'unknown', needs: 'needs family history', tests: ['family_history'] };
      if (!p.familyHistory) return { criterion, outcome: 'fail', value: false };
      if (node.onsetBeforeAge === undefined) return { criterion, outcome: 'pass', value: true };
      if (p.familyHistoryOnsetAge === null) {
        return {
          criterion,
          outcome: 'unknown',
          value: true,
          needs: "needs the relative's age at onset",
          tests: ['family_history'],
        };
      }
      return {
        criterion,
        outcome: passIf(p.familyHistoryOnsetAge < node.onsetBeforeAge),
        value: p.familyHistoryOnsetAge,
      };
    }
    case 'study_partner':
      return {
        criterion: 'study partner available',
        outcome: passIf(p.studyPartnerAvailable),
        value: p.studyPartnerAvailable,
      };
    case 'status':
      return {
        criterion: `registry status in ${node.in.join(', ')}`,
        outcome: passIf(node.in.includes(p.status)),
        value: p.status,
      };
    case 'consent':
      return {
        criterion: `consent to ${node.scope}`,
        outcome: passIf(p.consentScopes.includes(node.scope)),
        value: p.consentScopes.includes(node.scope),
      };
    case 'not_in_other_trial': {
      const others = p.trialCommitments.filter((trialId) => trialId !== context.trialId);
      const inTrial =
        p.status === ParticipantStatus.InTrial && !p.trialCommitments.includes(context.trialId ?? '');
      return {
        criterion: 'not referred to or in another trial',
        outcome: passIf(others.length === 0 && !inTrial),
        value: others,
      };
    }
    case 'amyloid':
      return evaluateAmyloid(node, p, context);
    case 'measure':
      return evaluateMeasure(node, p, context);
  }
}

function evaluateAmyloid(
  node: Extract<Criterion, { type: 'amyloid' }>,
  p: ParticipantProfile,
  context: EvaluationContext,
): LeafResult {
  const modalities = node.modalities.map((m) =>
    m === AmyloidModality.Pet ? 'amyloid PET' : m === AmyloidModality.Csf ? 'CSF' : 'plasma',
  );
  const window = node.maxAgeDays ? ` within ${node.maxAgeDays} days` : '';
  const criterion = `amyloid ${node.in.join(' or ')} by ${modalities.join(' or ')}${window}`;
  const tests = node.modalities.map((m) => MODALITY_TEST[m]);
  const latest = node.modalities
    .map((modality) => ({ modality, ...p.amyloid[modality]! }))
    .filter((r) => r.status !== undefined && r.status !== AmyloidStatus.Unknown)
    .sort((a, b) => b.date.localeCompare(a.date))[0];
  if (!latest)
    return { criterion, outcome: 'unknown', needs: `needs ${modalities.join(' or ')}${window}`, tests };
  if (node.maxAgeDays && daysBetween(latest.date, context.asOf) > node.maxAgeDays) {
    return {
      criterion,
      outcome: 'unknown',
      value: latest.status,
      date: latest.date,
      needs: `${latest.modality} result of ${latest.date} is older than ${node.maxAgeDays} days: needs ${modalities.join(' or ')}${window}`,
      tests,
    };
  }
  return {
    criterion,
    outcome: passIf(node.in.includes(latest.status)),
    value: latest.status,
    date: latest.date,
  };
}

function evaluateMeasure(
  node: MeasureCriterion,
  p: ParticipantProfile,
  context: EvaluationContext,
): LeafResult {
  const definition: MeasureDefinition = MEASURES[node.measure];
  const label = `${definition.label}${node.qualifier ? ` (${node.qualifier})` : ''}`;
  const window = node.maxAgeDays ? ` within ${node.maxAgeDays} days` : '';
  const criterion = `${label} ${comparisonText(node)}${window}`;
  const observation = p.observations[observationKey(node.measure, node.qualifier)];
  const tests = [definition.assessment];
  if (!observation) return { criterion, outcome: 'unknown', needs: `needs ${label}${window}`, tests };
  if (node.maxAgeDays && daysBetween(observation.date, context.asOf) > node.maxAgeDays) {
    return {
      criterion,
      outcome: 'unknown',
      value: observation.value,
      date: observation.date,
      needs: `${label} of ${observation.date} is older than ${node.maxAgeDays} days`,
      tests,
    };
  }
  return {
    criterion,
    outcome: passIf(compare(observation.value, node)),
    value: observation.value,
    date: observation.date,
  };
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
