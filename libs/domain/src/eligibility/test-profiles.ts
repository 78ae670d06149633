import { AmyloidModality, AmyloidStatus } from '../biomarkers/amyloid-status';
import { ConsentScope } from '../consent/consent-scope';
import { ParticipantStatus } from '../participants/participant-status';
import type { ParticipantProfile } from './evaluate';
import { observationKey } from './measures';

/** The day every hand-made profile is evaluated on. */
export const AS_OF = '2026-06-01';

/**
 * A cognitively unimpaired 70-year-old with recent, normal cognition, a clean MRI, a study partner and consent
 * to recontact, but no amyloid result: tests change one fact at a time from here.
 */
export function baseProfile(overrides: Partial<ParticipantProfile> = {}): ParticipantProfile {
  return {
    participantId: 'TKY-000001-X',
    birthDate: '1956-01-15',
    sex: 'female',
    educationYears: 16,
    apoeGenotype: 'e3/e3',
    familyHistory: false,
    familyHistoryOnsetAge: null,
    studyPartnerAvailable: true,
    status: ParticipantStatus.Enrolled,
    consentScopes: [ConsentScope.RegistryFollowUp, ConsentScope.RecontactForTrials],
    trialCommitments: [],
    observations: {
      [observationKey('cdr.global')]: { value: 0, date: '2026-05-01' },
      [observationKey('mmse.total')]: { value: 29, date: '2026-05-01' },
      [observationKey('logical_memory.delayed_recall')]: { value: 12, date: '2026-05-01' },
      [observationKey('mri.microhaemorrhages')]: { value: 1, date: '2026-05-01' },
      [observationKey('mri.superficial_siderosis')]: { value: false, date: '2026-05-01' },
      [observationKey('mri.macrohaemorrhage')]: { value: false, date: '2026-05-01' },
    },
    amyloid: {},
    ...overrides,
  };
}

export function withObservation(
  profile: ParticipantProfile,
  measure: string,
  value: number | string | boolean,
  date = '2026-05-01',
  qualifier?: string,
) {
  return {
    ...profile,
    observations: { ...profile.observations, [observationKey(measure, qualifier)]: { value, date } },
  };
}

export function withAmyloid(
  profile: ParticipantProfile,
  modality: AmyloidModality,
  status: AmyloidStatus,
  date = '2026-05-01',
) {
  return { ...profile, amyloid: { ...profile.amyloid, [modality]: { status, date } } };
}
