import type { ParticipantProfile } from '../eligibility/evaluate';
import { addAssessmentToProfile, assessmentQualifier } from '../eligibility/latest-results';
import { checkAssessment } from '../instruments/assessments';
import type { CalendarDate } from '../schedule/calendar';
import type { SyntheticParticipant } from './synthetic-cohort';

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
  const profile: ParticipantProfile = {
    participantId,
    birthDate: person.birthDate,
    sex: person.sex,
    educationYears: person.educationYears,
    apoeGenotype: person.apoeGenotype,
    familyHistory: person.familyHistory,
    familyHistoryOnsetAge: person.familyHistoryOnsetAge,
    studyPartnerAvailable: person.studyPartnerAvailable,
    status: person.status,
    consentScopes: consentScopesOn(person, asOf),
    trialCommitments: [],
    observations: {},
    amyloid: {},
  };
  for (const visit of person.visits) {
    if (visit.date > asOf) continue;
    for (const assessment of visit.assessments) {
      const { derived } = checkAssessment(assessment);
      const qualifier = assessmentQualifier(assessment.type, assessment.values);
      addAssessmentToProfile(profile, assessment.type, qualifier, visit.date, assessment.values, derived);
    }
  }
  return profile;
}

/** The consent scopes held on `asOf`: all of them from signing until a withdrawal. */
function consentScopesOn(person: SyntheticParticipant, asOf: CalendarDate): string[] {
  const withdrawn = person.withdrawnOn !== null && person.withdrawnOn <= asOf;
  return person.consentSignedOn <= asOf && !withdrawn ? [...person.consentScopes].sort() : [];
}
