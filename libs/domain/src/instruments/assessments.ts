import { AmyloidStatus, statusFromCentiloid } from '../biomarkers/amyloid-status';
import {
  AmyloidTracer,
  centiloidUnavailableNote,
  PetPipeline,
  ReferenceRegion,
  toCentiloid,
} from '../biomarkers/centiloid';
import { CsfAnalyte, csfRatios, FluidPlatform, interpretCsf } from '../biomarkers/fluid-cutoffs';
import { CdrBoxes, cdrGlobalScore, cdrSumOfBoxes, CDR_SCORES } from './cdr';
import { checkFields, FieldProblem, FieldRules } from './field-rules';

/** Every kind of assessment the registry records; ranges from shared/domain/README.md. */
export enum AssessmentType {
  Mmse = 'mmse',
  Moca = 'moca',
  Cdr = 'cdr',
  LogicalMemory = 'logical_memory',
  Fcsrt = 'fcsrt',
  DigitSymbol = 'digit_symbol',
  Cfi = 'cfi',
  AmyloidPet = 'amyloid_pet',
  TauPet = 'tau_pet',
  Csf = 'csf',
  Plasma = 'plasma',
  Mri = 'mri',
}

export const ASSESSMENT_TYPES = Object.values(AssessmentType);

/** Assessments that need the biomarker sampling consent scope (imaging counts: it is biomarker work-up). */
export const BIOMARKER_ASSESSMENTS: readonly AssessmentType[] = [
  AssessmentType.AmyloidPet,
  AssessmentType.TauPet,
  AssessmentType.Csf,
  AssessmentType.Plasma,
];

const CDR_BOX = { kind: 'enum', values: CDR_SCORES } as const;
const THREE_STATES = [AmyloidStatus.Negative, AmyloidStatus.Intermediate, AmyloidStatus.Positive] as const;

const RULES: Record<Exclude<AssessmentType, AssessmentType.Csf>, FieldRules> = {
  [AssessmentType.Mmse]: { total: { kind: 'integer', min: 0, max: 30 } },
  [AssessmentType.Moca]: { total: { kind: 'integer', min: 0, max: 30 } },
  [AssessmentType.Cdr]: {
    memory: CDR_BOX,
    orientation: CDR_BOX,
    judgmentProblemSolving: CDR_BOX,
    communityAffairs: CDR_BOX,
    homeHobbies: CDR_BOX,
    // The Personal Care box has no 0.5 level.
    personalCare: { kind: 'enum', values: [0, 1, 2, 3] },
    global: { ...CDR_BOX, optional: true },
  },
  [AssessmentType.LogicalMemory]: { delayedRecall: { kind: 'integer', min: 0, max: 25 } },
  [AssessmentType.Fcsrt]: {
    freeRecall: { kind: 'integer', min: 0, max: 48 },
    totalRecall: { kind: 'integer', min: 0, max: 48 },
  },
  [AssessmentType.DigitSymbol]: { total: { kind: 'integer', min: 0, max: 93 } },
  [AssessmentType.Cfi]: {
    participant: { kind: 'number', min: 0, max: 14, step: 0.5, optional: true },
    partner: { kind: 'number', min: 0, max: 14, step: 0.5, optional: true },
  },
  [AssessmentType.AmyloidPet]: {
    tracer: { kind: 'enum', values: Object.values(AmyloidTracer) },
    suvr: { kind: 'number', min: 0, max: 5, exclusiveMin: true, optional: true },
    pipeline: { kind: 'enum', values: Object.values(PetPipeline), optional: true },
    referenceRegion: { kind: 'enum', values: Object.values(ReferenceRegion), optional: true },
    visualRead: { kind: 'enum', values: ['positive', 'negative'], optional: true },
  },
  [AssessmentType.TauPet]: {
    tracer: { kind: 'enum', values: ['flortaucipir', 'mk6240', 'pi2620', 'other'] },
    suvr: { kind: 'number', min: 0, max: 5, exclusiveMin: true },
    region: {
      kind: 'enum',
      values: ['global', 'braak_i_ii', 'braak_iii_iv', 'braak_v_vi', 'medial_temporal'],
    },
  },
  [AssessmentType.Plasma]: {
    platform: { kind: 'enum', values: Object.values(FluidPlatform) },
    analyte: {
      kind: 'enum',
      values: ['ptau217', 'ptau217_abeta42_ratio', 'abeta42_40_ratio', 'ptau181', 'aps2'],
    },
    value: { kind: 'number', min: 0, max: 100000, optional: true },
    unit: { kind: 'enum', values: ['pg/mL', 'ratio', 'score'], optional: true },
    result: { kind: 'enum', values: THREE_STATES },
  },
  [AssessmentType.Mri]: {
    microhaemorrhages: { kind: 'integer', min: 0, max: 1000 },
    superficialSiderosis: { kind: 'boolean' },
    macrohaemorrhage: { kind: 'boolean' },
    ariaE: { kind: 'boolean' },
    infarcts: { kind: 'integer', min: 0, max: 1000 },
  },
};

const CSF_ANALYTE_RULES: FieldRules = {
  analyte: { kind: 'enum', values: Object.values(CsfAnalyte) },
  value: { kind: 'number', min: 0, max: 100000, exclusiveMin: true },
  unit: { kind: 'enum', values: ['pg/mL'] },
};

export interface AssessmentInput {
  type: AssessmentType;
  values: Record<string, unknown>;
}

export interface CheckedAssessment {
  problems: FieldProblem[];
  /** Values computed on the server, with what they came from. Empty when there are problems. */
  derived: Record<string, unknown>;
}

/**
 * Validates an assessment's values (every field named with its path on failure) and derives what the server
 * computes: CDR global and sum of boxes, Centiloid with its equation, CSF ratios and their platform result,
 * and the amyloid status each biomarker result implies.
 */
export function checkAssessment(input: AssessmentInput, path = ''): CheckedAssessment {
  const at = (field: string) => (path ? `${path}.${field}` : field);
  if (!ASSESSMENT_TYPES.includes(input.type)) {
    const message = `${at('type')} must be one of ${ASSESSMENT_TYPES.join(', ')}`;
    return { problems: [{ field: at('type'), constraint: 'isIn', message }], derived: {} };
  }
  const values = input.values;
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    return {
      problems: [
        { field: at('values'), constraint: 'isObject', message: `${at('values')} must be an object` },
      ],
      derived: {},
    };
  }
  const valuesPath = at('values');
  if (input.type === AssessmentType.Csf) return checkCsf(values, valuesPath);
  const problems = checkFields(values, RULES[input.type], valuesPath);
  if (problems.length > 0) return { problems, derived: {} };

  switch (input.type) {
    case AssessmentType.Cdr:
      return checkCdr(values as unknown as CdrBoxes & { global?: number }, valuesPath);
    case AssessmentType.Fcsrt:
      if ((values.freeRecall as number) > (values.totalRecall as number)) {
        const message = `${valuesPath}.freeRecall must not exceed totalRecall`;
        return {
          problems: [{ field: `${valuesPath}.freeRecall`, constraint: 'notAboveTotal', message }],
          derived: {},
        };
      }
      return { problems: [], derived: {} };
    case AssessmentType.AmyloidPet:
      return derivePet(values, valuesPath);
    case AssessmentType.Plasma:
      return { problems: [], derived: { amyloidStatus: values.result } };
    default:
      return { problems: [], derived: {} };
  }
}

function checkCdr(values: CdrBoxes & { global?: number }, path: string): CheckedAssessment {
  const globalScore = cdrGlobalScore(values);
  if (values.global !== undefined && values.global !== globalScore) {
    return {
      problems: [
        {
          field: `${path}.global`,
          constraint: 'matchesBoxes',
          message: `${path}.global is ${values.global} but the boxes give ${globalScore}`,
        },
      ],
      derived: {},
    };
  }
  return {
    problems: [],
    derived: { globalScore, sumOfBoxes: cdrSumOfBoxes(values), algorithm: 'morris-1993' },
  };
}

function derivePet(values: Record<string, unknown>, path: string): CheckedAssessment {
  if (values.suvr === undefined && values.visualRead === undefined) {
    return {
      problems: [
        {
          field: `${path}.suvr`,
          constraint: 'suvrOrVisualRead',
          message: `${path} needs an SUVR, a visual read, or both`,
        },
      ],
      derived: {},
    };
  }
  if (values.suvr !== undefined && (values.pipeline === undefined || values.referenceRegion === undefined)) {
    const missing = values.pipeline === undefined ? 'pipeline' : 'referenceRegion';
    return {
      problems: [
        {
          field: `${path}.${missing}`,
          constraint: 'requiredWithSuvr',
          message: `${path}.${missing} is required with an SUVR`,
        },
      ],
      derived: {},
    };
  }
  const tracer = values.tracer as AmyloidTracer;
  const pipeline = values.pipeline as PetPipeline;
  const referenceRegion = values.referenceRegion as ReferenceRegion;
  const centiloid =
    values.suvr !== undefined
      ? toCentiloid(values.suvr as number, tracer, pipeline, referenceRegion)
      : undefined;
  let amyloidStatus = AmyloidStatus.Unknown;
  let statusBasis: string | null = null;
  if (centiloid) {
    amyloidStatus = statusFromCentiloid(centiloid.centiloid);
    statusBasis = 'centiloid_bands_amypad_2024';
  } else if (values.visualRead) {
    amyloidStatus = values.visualRead === 'positive' ? AmyloidStatus.Positive : AmyloidStatus.Negative;
    statusBasis = 'visual_read';
  }
  return {
    problems: [],
    derived: {
      centiloid: centiloid?.centiloid ?? null,
      centiloidEquationId: centiloid?.equationId ?? null,
      amyloidStatus,
      statusBasis,
      // Said, not silent: an SUVR that gives no Centiloid tells the coordinator why (a mistyped pipeline
      // shows here), instead of a bare null and an unknown status.
      ...(values.suvr !== undefined && !centiloid
        ? { centiloidUnavailable: centiloidUnavailableNote(tracer, pipeline, referenceRegion) }
        : {}),
    },
  };
}

function checkCsf(values: Record<string, unknown>, path: string): CheckedAssessment {
  const problems = checkFields(
    { platform: values.platform },
    { platform: { kind: 'enum', values: Object.values(FluidPlatform) } },
    path,
  );
  for (const key of Object.keys(values)) {
    if (key !== 'platform' && key !== 'analytes') {
      problems.push({
        field: `${path}.${key}`,
        constraint: 'whitelistValidation',
        message: `${path}.${key} is not a field of this assessment`,
      });
    }
  }
  const analytes = values.analytes;
  if (!Array.isArray(analytes) || analytes.length === 0) {
    problems.push({
      field: `${path}.analytes`,
      constraint: 'arrayNotEmpty',
      message: `${path}.analytes must list at least one analyte`,
    });
    return { problems, derived: {} };
  }
  const measured: Partial<Record<CsfAnalyte, number>> = {};
  analytes.forEach((analyte: unknown, index) => {
    const entry = (typeof analyte === 'object' && analyte !== null ? analyte : {}) as Record<string, unknown>;
    const entryProblems = checkFields(entry, CSF_ANALYTE_RULES, `${path}.analytes[${index}]`);
    problems.push(...entryProblems);
    if (entryProblems.length === 0) {
      const name = entry.analyte as CsfAnalyte;
      if (name in measured) {
        problems.push({
          field: `${path}.analytes[${index}].analyte`,
          constraint: 'unique',
          message: `${path}.analytes lists ${name} twice`,
        });
      }
      measured[name] = entry.value as number;
    }
  });
  if (problems.length > 0) return { problems, derived: {} };
  const ratios = csfRatios(measured);
  const interpretation = interpretCsf(values.platform as FluidPlatform, ratios);
  return {
    problems: [],
    derived: { ratios, cutoffSet: interpretation.cutoffSet, amyloidStatus: interpretation.status },
  };
}
