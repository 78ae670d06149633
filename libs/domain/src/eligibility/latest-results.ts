import { AmyloidModality, AmyloidStatus } from '../biomarkers/amyloid-status';
import { ASSESSMENT_TYPES, AssessmentType } from '../instruments/assessments';
import type { CalendarDate } from '../schedule/calendar';
import type { Observation, ParticipantProfile } from './evaluate';
import { MEASURES, MeasureDefinition, measureReader, observationKey } from './measures';

/** The amyloid modality whose status each assessment type reports: the one map of it. */
export const AMYLOID_MODALITY_OF_ASSESSMENT: Readonly<Partial<Record<string, AmyloidModality>>> =
  Object.freeze({
    [AssessmentType.AmyloidPet]: AmyloidModality.Pet,
    [AssessmentType.Csf]: AmyloidModality.Csf,
    [AssessmentType.Plasma]: AmyloidModality.Plasma,
  });

/** The assessment that reports each amyloid modality (the map above, read the other way). */
export const ASSESSMENT_OF_AMYLOID_MODALITY = Object.freeze(
  Object.fromEntries(
    Object.entries(AMYLOID_MODALITY_OF_ASSESSMENT).map(([type, modality]) => [modality, type]),
  ) as Record<AmyloidModality, AssessmentType>,
);

/**
 * The field of each assessment type that tells apart results that are not interchangeable (tracer, platform,
 * analyte), taken from the measures that name one: a type has at most one. SQL keeps the latest assessment
 * per type and qualifier with `assessment_qualifier`, which an e2e test holds equal to `assessmentQualifier`.
 */
export const QUALIFIER_FIELD_OF_ASSESSMENT: Readonly<Partial<Record<string, string>>> = Object.freeze(
  (() => {
    const fields: Partial<Record<string, string>> = {};
    for (const definition of Object.values(MEASURES) as MeasureDefinition[]) {
      if (!definition.qualifier) continue;
      const known = fields[definition.assessment];
      if (known !== undefined && known !== definition.qualifier)
        throw new Error(`${definition.assessment} measures name two qualifiers`);
      fields[definition.assessment] = definition.qualifier;
    }
    return fields;
  })(),
);

/** An assessment's qualifier (e.g. its tracer), or '' for a type that has none or a result that names none. */
export function assessmentQualifier(type: string, values: Readonly<Record<string, unknown>>): string {
  const field = QUALIFIER_FIELD_OF_ASSESSMENT[type];
  const qualifier = field === undefined ? undefined : values[field];
  // As SQL's `values->>'field'` reads it: a text as it is, another JSON value as its JSON text.
  if (qualifier === undefined || qualifier === null) return '';
  return typeof qualifier === 'string' ? qualifier : JSON.stringify(qualifier);
}

/** The top-level fields of an assessment's values and derived values that a profile is built from. */
export interface FieldsReadForProfile {
  readonly values: readonly string[];
  readonly derived: readonly string[];
}

/**
 * What `addAssessmentToProfile` reads of each assessment type: the first key of each of its measures'
 * sources (a nested source such as `derived.ratios.x` keeps all of `ratios`) and, for a type that reports an
 * amyloid status, `derived.amyloidStatus`. Every type is listed, with nothing read where no measure reads
 * it. Screening's facts keep only these fields of each latest assessment (SQL `assessment_profile_values`
 * and `assessment_profile_derived`, which an e2e test holds equal to this): the rest is never read when
 * judging, and parsing it was a part of every re-screen. The qualifier is read apart (`assessmentQualifier`).
 */
export const FIELDS_READ_FOR_PROFILE: Readonly<Record<AssessmentType, FieldsReadForProfile>> = Object.freeze(
  (() => {
    const fields = Object.fromEntries(
      ASSESSMENT_TYPES.map((type) => [type, { values: new Set<string>(), derived: new Set<string>() }]),
    ) as Record<AssessmentType, { values: Set<string>; derived: Set<string> }>;
    for (const definition of Object.values(MEASURES) as MeasureDefinition[]) {
      const [root, first] = definition.source.split('.');
      fields[definition.assessment][root === 'derived' ? 'derived' : 'values'].add(first);
    }
    for (const type of Object.keys(AMYLOID_MODALITY_OF_ASSESSMENT) as AssessmentType[])
      fields[type].derived.add('amyloidStatus');
    return Object.fromEntries(
      Object.entries(fields).map(([type, { values, derived }]) => [
        type,
        Object.freeze({
          values: Object.freeze([...values].sort()),
          derived: Object.freeze([...derived].sort()),
        }),
      ]),
    ) as Record<AssessmentType, FieldsReadForProfile>;
  })(),
);

/**
 * Whether a result of `date` replaces the one kept so far: a later day wins; on the same day the result kept
 * first stays. The one tie-break for every "latest result" (measure values, amyloid status per modality).
 */
export function replacesLatest(kept: { date: CalendarDate } | undefined, date: CalendarDate): boolean {
  return kept === undefined || kept.date < date;
}

interface MeasureOfAssessment {
  name: string;
  qualified: boolean;
  read: ReturnType<typeof measureReader>;
}

// Each assessment type's measures with their readers, built once: loading a cohort reads millions of them.
const MEASURES_OF_ASSESSMENT = new Map<string, MeasureOfAssessment[]>();
for (const [name, definition] of Object.entries(MEASURES) as [string, MeasureDefinition][]) {
  MEASURES_OF_ASSESSMENT.set(definition.assessment, [
    ...(MEASURES_OF_ASSESSMENT.get(definition.assessment) ?? []),
    { name, qualified: Boolean(definition.qualifier), read: measureReader(definition.source) },
  ]);
}

/**
 * Adds one assessment to a profile being built: each of its measures, and its amyloid status (a known one,
 * for the modality it reports), where it is the latest so far by `replacesLatest`. Assessments may come in
 * any order of days.
 */
export function addAssessmentToProfile(
  profile: ParticipantProfile,
  type: string,
  qualifier: string,
  performedOn: CalendarDate,
  values: Record<string, unknown>,
  derived: Record<string, unknown>,
): void {
  const measures = MEASURES_OF_ASSESSMENT.get(type);
  if (measures) {
    const observations = profile.observations as Record<string, Observation>;
    for (let i = 0; i < measures.length; i++) {
      const measure = measures[i];
      const value = measure.read(values, derived);
      if (value === undefined || value === null) continue;
      const key = observationKey(measure.name, measure.qualified ? qualifier : undefined);
      if (replacesLatest(observations[key], performedOn))
        observations[key] = { value: value as Observation['value'], date: performedOn };
    }
  }
  const modality = AMYLOID_MODALITY_OF_ASSESSMENT[type];
  const status = derived.amyloidStatus as AmyloidStatus | undefined;
  if (modality && status && status !== AmyloidStatus.Unknown) {
    const amyloid = profile.amyloid as Record<string, { status: AmyloidStatus; date: CalendarDate }>;
    if (replacesLatest(amyloid[modality], performedOn)) amyloid[modality] = { status, date: performedOn };
  }
}
