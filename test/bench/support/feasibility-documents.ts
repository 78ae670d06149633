import {
  AmyloidModality,
  AmyloidStatus,
  CriteriaDocument,
  Criterion,
  isLeaf,
  Leaf,
  MEASURES,
  TRIAL_TEMPLATES,
  validateCriteriaDocument,
} from '@registry/domain';
import { canonicalJson } from '@registry/platform';
import { BENCH_AGE_BANDS, BENCH_TRIALS, withAgeRange } from './bench-cohort';

export type TemplateKey = 'a4' | 'ahead-a3' | 'ahead-a45' | 'trailblazer-alz-3';

/** The recency windows (`maxAgeDays`) of the templates, by what the result measures. */
export type WindowGroup = 'cognition' | 'mri' | 'amyloidPet' | 'plasma';

/** The templates' own windows (trial-templates.ts); a variant shortens or lengthens some of them. */
export const TEMPLATE_WINDOWS: Readonly<Record<WindowGroup, number>> = {
  cognition: 90,
  mri: 90,
  amyloidPet: 365,
  plasma: 180,
};

const WINDOW_GROUP_OF_ASSESSMENT: Readonly<Record<string, WindowGroup>> = {
  cdr: 'cognition',
  mmse: 'cognition',
  logical_memory: 'cognition',
  mri: 'mri',
  amyloid_pet: 'amyloidPet',
  plasma: 'plasma',
};

/**
 * How one feasibility question departs from its template. Both the criteria document (which the engine
 * judges) and the SQL floor (which restates it by hand, feasibility-floor.ts) are read from it, so that each
 * document has a hand-written twin.
 */
export interface FeasibilityVariant {
  name: string;
  family: TemplateKey;
  /** The trial's age band (the `age` leaves with both ends). */
  ageBand: readonly [number, number];
  windows: Readonly<Record<WindowGroup, number>>;
  /** AHEAD's risk factor "known elevated amyloid": its modalities (the template's: PET and CSF). */
  riskFactorModalities?: readonly AmyloidModality[];
  /**
   * TRAILBLAZER-ALZ 3's prescreen as amyloid positive by the latest of a PET or plasma result (PET named
   * first, so that it decides when both are of one day, as at the seed's biomarker visits).
   */
  prescreenByLatestAmyloid?: boolean;
  /** A top-level criterion added at the end: at least one APOE e4 allele. */
  addApoeCarrier?: boolean;
  /** A top-level criterion removed: a study partner available. */
  withoutStudyPartner?: boolean;
  /** The benchmark trial (index in BENCH_TRIALS) whose stored criteria this document is. */
  benchTrial?: number;
}

export interface FeasibilityQuestion {
  variant: FeasibilityVariant;
  document: CriteriaDocument;
}

const templateVariant = (family: TemplateKey, min: number, max: number): FeasibilityVariant => ({
  name: `${family} ${min}-${max}`,
  family,
  ageBand: [min, max],
  windows: TEMPLATE_WINDOWS,
});

const withWindows = (variant: FeasibilityVariant, windows: Partial<Record<WindowGroup, number>>) => ({
  ...variant,
  name: `${variant.name}, ${Object.entries(windows)
    .map(([group, days]) => `${group} ${days} d`)
    .join(', ')}`,
  windows: { ...variant.windows, ...windows },
});

const A4 = templateVariant('a4', 65, 85);
const AHEAD_A3 = templateVariant('ahead-a3', 55, 80);
const AHEAD_A45 = templateVariant('ahead-a45', 55, 80);
const TRAILBLAZER = templateVariant('trailblazer-alz-3', 55, 80);

/**
 * The twenty questions: the ten benchmark trials (the four templates and six age bands of them, whose stored
 * determinations the raw counts are checked against) and ten more: recency windows shortened and
 * lengthened, other amyloid modalities, a criterion added and one removed.
 */
export const FEASIBILITY_VARIANTS: readonly FeasibilityVariant[] = [
  ...BENCH_AGE_BANDS.map(([family, min, max], benchTrial) => ({
    ...templateVariant(family, min, max),
    benchTrial,
  })),
  withWindows(A4, { cognition: 60 }),
  withWindows(A4, { amyloidPet: 730 }),
  withWindows(AHEAD_A3, { mri: 180 }),
  withWindows(AHEAD_A45, { cognition: 45, amyloidPet: 540 }),
  withWindows(TRAILBLAZER, { plasma: 90 }),
  {
    ...AHEAD_A45,
    name: 'ahead-a45, risk factor amyloid by PET only',
    riskFactorModalities: [AmyloidModality.Pet],
  },
  {
    ...AHEAD_A3,
    name: 'ahead-a3, risk factor amyloid by PET, CSF or plasma',
    riskFactorModalities: [AmyloidModality.Pet, AmyloidModality.Csf, AmyloidModality.Plasma],
  },
  {
    ...TRAILBLAZER,
    name: 'trailblazer-alz-3, prescreen amyloid positive by the latest of PET or plasma',
    prescreenByLatestAmyloid: true,
  },
  { ...A4, name: 'a4 + APOE e4 carrier', addApoeCarrier: true },
  {
    ...withWindows({ ...TRAILBLAZER, name: 'trailblazer-alz-3 without study partner' }, { plasma: 365 }),
    withoutStudyPartner: true,
  },
];

/** A criterion with each leaf replaced by what `replace` makes of it. */
function mapLeaves(criterion: Criterion, replace: (leaf: Leaf) => Criterion): Criterion {
  if (isLeaf(criterion)) return replace(criterion);
  if (criterion.type === 'not') return { ...criterion, of: mapLeaves(criterion.of, replace) };
  return { ...criterion, of: criterion.of.map((c) => mapLeaves(c, replace)) };
}

/** The criteria document of a variant, from its template. */
export function documentOf(variant: FeasibilityVariant): CriteriaDocument {
  const template = TRIAL_TEMPLATES.find((t) => t.key === variant.family);
  if (!template) throw new Error(`no template ${variant.family}`);
  let criteria = withAgeRange(template.criteria.criteria, ...variant.ageBand);
  criteria = mapLeaves(criteria, (leaf) => {
    if (leaf.type === 'measure') {
      const group = WINDOW_GROUP_OF_ASSESSMENT[MEASURES[leaf.measure].assessment];
      if (variant.prescreenByLatestAmyloid && leaf.measure === 'plasma.result')
        return {
          type: 'amyloid',
          in: [AmyloidStatus.Positive],
          modalities: [AmyloidModality.Pet, AmyloidModality.Plasma],
          maxAgeDays: variant.windows.plasma,
        };
      return group && leaf.maxAgeDays ? { ...leaf, maxAgeDays: variant.windows[group] } : leaf;
    }
    if (leaf.type === 'amyloid' && leaf.decidedBy === 'any_modality' && variant.riskFactorModalities)
      return { ...leaf, modalities: [...variant.riskFactorModalities] };
    return leaf;
  });
  if (criteria.type !== 'all') throw new Error(`${variant.family}: expected a top-level "all"`);
  let steps = criteria.of;
  if (variant.withoutStudyPartner) steps = steps.filter((step) => step.type !== 'study_partner');
  if (variant.addApoeCarrier) steps = [...steps, { type: 'apoe_e4_alleles', min: 1 }];
  return { language: 1, criteria: { type: 'all', of: steps } };
}

/**
 * The twenty questions with their documents, each valid; the benchmark trials' documents are checked to be
 * the criteria those trials were stored with, or the agreement with stored determinations would compare
 * different questions.
 */
export function feasibilityQuestions(): FeasibilityQuestion[] {
  return FEASIBILITY_VARIANTS.map((variant) => {
    const document = documentOf(variant);
    const problems = validateCriteriaDocument(document);
    if (problems.length > 0) throw new Error(`${variant.name}: ${problems.map((p) => p.message).join('; ')}`);
    if (
      variant.benchTrial !== undefined &&
      canonicalJson(document) !== canonicalJson(BENCH_TRIALS[variant.benchTrial].criteria)
    )
      throw new Error(`${variant.name}: its document is not the benchmark trial's criteria`);
    return { variant, document };
  });
}
