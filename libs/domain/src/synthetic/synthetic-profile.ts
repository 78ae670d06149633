import { AmyloidModality, AmyloidStatus } from '../biomarkers/amyloid-status';
import type { Observation, ParticipantProfile } from '../eligibility/evaluate';
import { MEASURES, MeasureDefinition, observationKey, readMeasure } from '../eligibility/measures';
import { AssessmentType, checkAssessment } from '../instruments/assessments';
import type { CalendarDate } from '../schedule/calendar';
import type { SyntheticParticipant } from './synthetic-cohort';

const MODALITY_OF_TYPE: Partial<Record<string, AmyloidModality>> = {
  [AssessmentType.AmyloidPet]: AmyloidModality.Pet,
  [AssessmentType.Csf]: AmyloidModality.Csf,
  [AssessmentType.Plasma]: AmyloidModality.Plasma,
};

/**
 * A synthetic participant as screening sees them on `asOf`, without a database: the latest value of each
 * measure and the latest amyloid status of each modality from the visits up to that day, and the consent
 * scopes signed by then. For tests and measurements of what evaluating a realistic cohort produces.
 */
export function syntheticProfile(
  person: SyntheticParticipant,
  participantId: string,
  asOf: CalendarDate,
): ParticipantProfile {
  const observations: Record<string, Observation> = {};
  const amyloid: Record<string, { status: AmyloidStatus; date: CalendarDate }> = {};
  for (const visit of person.visits) {
    if (visit.date > asOf) continue;
    for (const assessment of visit.assessments) {
      const { derived } = checkAssessment(assessment);
      for (const [name, definition] of Object.entries(MEASURES) as [string, MeasureDefinition][]) {
        if (definition.assessment !== assessment.type) continue;
        const value = readMeasure(definition.source, { values: assessment.values, derived });
        if (value === undefined || value === null) continue;
        const qualifier = definition.qualifier ? String(assessment.values[definition.qualifier]) : undefined;
        const key = observationKey(name, qualifier);
        if (!observations[key] || observations[key].date <= visit.date)
          observations[key] = { value: value as Observation['value'], date: visit.date };
      }
      const modality = MODALITY_OF_TYPE[assessment.type];
      const status = derived.amyloidStatus as AmyloidStatus | undefined;
      if (modality && status && status !== AmyloidStatus.Unknown)
        if (!amyloid[modality] || amyloid[modality].date <= visit.date)
          amyloid[modality] = { status, date: visit.date };
    }
  }
  const withdrawn = person.withdrawnOn !== null && person.withdrawnOn <= asOf;
  return {
    participantId,
    birthDate: person.birthDate,
    sex: person.sex,
    educationYears: person.educationYears,
    apoeGenotype: person.apoeGenotype,
    familyHistory: person.familyHistory,
    familyHistoryOnsetAge: person.familyHistoryOnsetAge,
    studyPartnerAvailable: person.studyPartnerAvailable,
    status: person.status,
    consentScopes: person.consentSignedOn <= asOf && !withdrawn ? [...person.consentScopes].sort() : [],
    trialCommitments: [],
    observations,
    amyloid,
  };
}
