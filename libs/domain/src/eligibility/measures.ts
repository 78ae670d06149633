import { AssessmentType } from '../instruments/assessments';

/**
 * Every measure a criterion can compare: which assessment it comes from, where its value is, and which
 * qualifier (tracer, platform, analyte) tells apart results that are not interchangeable.
 */
export interface MeasureDefinition {
  assessment: AssessmentType;
  /** Path in the assessment: `values.x` as recorded, or `derived.x` as computed by the server. */
  source: string;
  kind: 'number' | 'enum' | 'boolean';
  label: string;
  /** The assessment field that must be named in the criterion (e.g. tracer for an SUVR). */
  qualifier?: 'tracer' | 'platform' | 'analyte';
  values?: readonly string[];
}

export const MEASURES = {
  'mmse.total': { assessment: AssessmentType.Mmse, source: 'values.total', kind: 'number', label: 'MMSE' },
  'moca.total': { assessment: AssessmentType.Moca, source: 'values.total', kind: 'number', label: 'MoCA' },
  'cdr.global': {
    assessment: AssessmentType.Cdr,
    source: 'derived.globalScore',
    kind: 'number',
    label: 'CDR global score',
  },
  'cdr.sum_of_boxes': {
    assessment: AssessmentType.Cdr,
    source: 'derived.sumOfBoxes',
    kind: 'number',
    label: 'CDR sum of boxes',
  },
  'logical_memory.delayed_recall': {
    assessment: AssessmentType.LogicalMemory,
    source: 'values.delayedRecall',
    kind: 'number',
    label: 'Logical Memory IIa delayed recall',
  },
  'fcsrt.free_recall': {
    assessment: AssessmentType.Fcsrt,
    source: 'values.freeRecall',
    kind: 'number',
    label: 'FCSRT free recall',
  },
  'fcsrt.total_recall': {
    assessment: AssessmentType.Fcsrt,
    source: 'values.totalRecall',
    kind: 'number',
    label: 'FCSRT total recall',
  },
  'digit_symbol.total': {
    assessment: AssessmentType.DigitSymbol,
    source: 'values.total',
    kind: 'number',
    label: 'Digit Symbol Substitution',
  },
  'cfi.participant': {
    assessment: AssessmentType.Cfi,
    source: 'values.participant',
    kind: 'number',
    label: 'CFI (participant)',
  },
  'cfi.partner': {
    assessment: AssessmentType.Cfi,
    source: 'values.partner',
    kind: 'number',
    label: 'CFI (study partner)',
  },
  'amyloid_pet.centiloid': {
    assessment: AssessmentType.AmyloidPet,
    source: 'derived.centiloid',
    kind: 'number',
    label: 'amyloid PET Centiloid',
  },
  'amyloid_pet.suvr': {
    assessment: AssessmentType.AmyloidPet,
    source: 'values.suvr',
    kind: 'number',
    label: 'amyloid PET SUVR',
    qualifier: 'tracer',
  },
  'amyloid_pet.visual_read': {
    assessment: AssessmentType.AmyloidPet,
    source: 'values.visualRead',
    kind: 'enum',
    label: 'amyloid PET visual read',
    values: ['positive', 'negative'],
  },
  'tau_pet.suvr': {
    assessment: AssessmentType.TauPet,
    source: 'values.suvr',
    kind: 'number',
    label: 'tau PET SUVR',
    qualifier: 'tracer',
  },
  'csf.ptau181_abeta42': {
    assessment: AssessmentType.Csf,
    source: 'derived.ratios.ptau181_abeta42',
    kind: 'number',
    label: 'CSF pTau181/Abeta42',
    qualifier: 'platform',
  },
  'csf.ttau_abeta42': {
    assessment: AssessmentType.Csf,
    source: 'derived.ratios.ttau_abeta42',
    kind: 'number',
    label: 'CSF tTau/Abeta42',
    qualifier: 'platform',
  },
  'csf.abeta42_abeta40': {
    assessment: AssessmentType.Csf,
    source: 'derived.ratios.abeta42_abeta40',
    kind: 'number',
    label: 'CSF Abeta42/40',
    qualifier: 'platform',
  },
  'plasma.result': {
    assessment: AssessmentType.Plasma,
    source: 'values.result',
    kind: 'enum',
    label: 'plasma result',
    qualifier: 'analyte',
    values: ['negative', 'intermediate', 'positive'],
  },
  'mri.microhaemorrhages': {
    assessment: AssessmentType.Mri,
    source: 'values.microhaemorrhages',
    kind: 'number',
    label: 'MRI microhaemorrhage count',
  },
  'mri.superficial_siderosis': {
    assessment: AssessmentType.Mri,
    source: 'values.superficialSiderosis',
    kind: 'boolean',
    label: 'MRI superficial siderosis',
  },
  'mri.macrohaemorrhage': {
    assessment: AssessmentType.Mri,
    source: 'values.macrohaemorrhage',
    kind: 'boolean',
    label: 'MRI macrohaemorrhage',
  },
  'mri.aria_e': {
    assessment: AssessmentType.Mri,
    source: 'values.ariaE',
    kind: 'boolean',
    label: 'MRI ARIA-E',
  },
  'mri.infarcts': {
    assessment: AssessmentType.Mri,
    source: 'values.infarcts',
    kind: 'number',
    label: 'MRI infarct count',
  },
} as const satisfies Record<string, MeasureDefinition>;

export type MeasureName = keyof typeof MEASURES;
export const MEASURE_NAMES = Object.keys(MEASURES) as MeasureName[];

/** The key under which a participant's latest value of a measure is kept, e.g. `amyloid_pet.suvr|florbetapir`. */
export function observationKey(measure: string, qualifier?: string): string {
  return qualifier ? `${measure}|${qualifier}` : measure;
}

/** An assessment's values and derived values, from which measures are read. */
export interface MeasureSourceRecord {
  values: Record<string, unknown>;
  derived: Record<string, unknown>;
}

/** Reads a dotted path (`derived.ratios.x`) out of an assessment's values and derived values. */
export function readMeasure(source: string, assessment: MeasureSourceRecord): unknown {
  return measureReader(source)(assessment.values, assessment.derived);
}

/**
 * A reader for one dotted path, split once: loading a cohort reads millions of measures, and splitting the
 * path for each read was a visible part of that work. It takes the values and derived values apart, so a
 * caller holding them apart need not make an object of them for each read.
 */
export function measureReader(
  source: string,
): (values: Record<string, unknown>, derived: Record<string, unknown>) => unknown {
  const [root, ...parts] = source.split('.');
  if (root !== 'values' && root !== 'derived')
    throw new Error(`measure source ${source} must start with values. or derived.`);
  const fromDerived = root === 'derived';
  return (values, derived) => {
    let current: unknown = fromDerived ? derived : values;
    for (let i = 0; i < parts.length; i++) {
      if (typeof current !== 'object' || current === null) return undefined;
      current = (current as Record<string, unknown>)[parts[i]];
    }
    return current;
  };
}
