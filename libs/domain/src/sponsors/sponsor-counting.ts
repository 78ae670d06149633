import {
  AmyloidModality,
  AmyloidStatus,
  currentAmyloidStatus,
  ModalityResult,
} from '../biomarkers/amyloid-status';
import { ConsentScope } from '../consent/consent-scope';
import type { ParticipantProfile } from '../eligibility/evaluate';
import { ASSESSMENT_OF_AMYLOID_MODALITY } from '../eligibility/latest-results';
import { ParticipantStatus } from '../participants/participant-status';
import { ageOn, CalendarDate } from '../schedule/calendar';

/** People who have left the registry: nothing about them reaches a sponsor any more. */
export const LEFT_THE_REGISTRY: readonly ParticipantStatus[] = [
  ParticipantStatus.Withdrawn,
  ParticipantStatus.Deceased,
];

/**
 * Whether anything about a participant may reach a sponsor at all, even as one of a count: their consent
 * held on the day includes sharing with sponsors (shared/domain/README.md, "What sponsors may see"), and they
 * have not left the registry (withdrawn, deceased). A pool's trend of past eligibility counts these people.
 */
export function sharesWithSponsors(profile: ParticipantProfile): boolean {
  return (
    !LEFT_THE_REGISTRY.includes(profile.status) &&
    profile.consentScopes.includes(ConsentScope.SponsorDataSharing)
  );
}

/**
 * Who a sponsor's counts of people to recruit (pools, feasibility funnels) include: those who share with
 * sponsors and are free to be recruited, i.e. not already in a trial. `forTrialId`: a commitment to the trial
 * asked about is not "another trial" (a person the registry referred to it still belongs to its pool).
 */
export const NEVER_COUNTED_FOR_SPONSORS: readonly ParticipantStatus[] = [
  ...LEFT_THE_REGISTRY,
  ParticipantStatus.InTrial,
];

export function countedForSponsors(profile: ParticipantProfile, forTrialId?: string): boolean {
  if (!sharesWithSponsors(profile) || profile.status === ParticipantStatus.InTrial) return false;
  return !profile.trialCommitments.some((trialId) => trialId !== forTrialId);
}

/**
 * Five-year age bands, open at both ends: the oldest band is top-coded at 90 (HIPAA Safe Harbor,
 * 45 CFR 164.514(b)(2)(i)(C), treats every age over 89 as one category) and the youngest at 50, below the
 * youngest age any prevention-trial template admits.
 */
export const AGE_BANDS = [
  'under_50',
  '50-54',
  '55-59',
  '60-64',
  '65-69',
  '70-74',
  '75-79',
  '80-84',
  '85-89',
  '90_and_over',
] as const;
export type AgeBand = (typeof AGE_BANDS)[number];

export function ageBandOf(birthDate: CalendarDate, on: CalendarDate): AgeBand {
  const age = ageOn(birthDate, on);
  if (age < 50) return 'under_50';
  if (age >= 90) return '90_and_over';
  const low = Math.floor(age / 5) * 5;
  return `${low}-${low + 4}` as AgeBand;
}

export const SEXES = ['female', 'male', 'other', 'not_stated'] as const;
export const APOE_E4_CARRIAGE = ['carrier', 'non_carrier', 'unknown'] as const;
export const AMYLOID_BANDS = ['positive', 'intermediate', 'negative', 'unknown'] as const;
/** The modality of the result the amyloid band comes from; `none` when no result is known. */
export const AMYLOID_MODALITIES = ['pet', 'csf', 'plasma', 'none'] as const;

/** The assessments the amyloid band and modality are read from: a breakdown must load at least these. */
export const AMYLOID_ASSESSMENTS: readonly string[] = Object.values(ASSESSMENT_OF_AMYLOID_MODALITY);

/** The categories a participant falls in, one per dimension of a sponsor's breakdowns. */
export interface SponsorCategories {
  site: string;
  ageBand: AgeBand;
  sex: (typeof SEXES)[number];
  apoeE4: (typeof APOE_E4_CARRIAGE)[number];
  amyloidBand: (typeof AMYLOID_BANDS)[number];
  amyloidModality: (typeof AMYLOID_MODALITIES)[number];
}

export type BreakdownDimension = keyof SponsorCategories;

/** Every dimension of a breakdown with its categories, in the order a sponsor reads them. */
export function breakdownCategories(
  siteKeys: readonly string[],
): Readonly<Record<BreakdownDimension, readonly string[]>> {
  return {
    site: siteKeys,
    ageBand: AGE_BANDS,
    sex: SEXES,
    apoeE4: APOE_E4_CARRIAGE,
    amyloidBand: AMYLOID_BANDS,
    amyloidModality: AMYLOID_MODALITIES,
  };
}

/**
 * The categories of a participant on a day. The amyloid band is the participant's current amyloid status
 * (the latest known result of any modality, as `currentAmyloidStatus` decides it), with its modality.
 */
export function sponsorCategoriesOf(
  profile: ParticipantProfile,
  siteKey: string,
  on: CalendarDate,
): SponsorCategories {
  const results: ModalityResult[] = [];
  for (const modality of Object.values(AmyloidModality)) {
    const known = profile.amyloid[modality];
    if (known) results.push({ modality, status: known.status, date: known.date });
  }
  const amyloid = currentAmyloidStatus(results);
  return {
    site: siteKey,
    ageBand: ageBandOf(profile.birthDate, on),
    sex: (SEXES as readonly string[]).includes(profile.sex)
      ? (profile.sex as SponsorCategories['sex'])
      : 'not_stated',
    apoeE4: apoeE4CarriageOf(profile.apoeGenotype),
    amyloidBand: amyloid.status,
    amyloidModality: amyloid.status === AmyloidStatus.Unknown ? 'none' : amyloid.modality,
  };
}

function apoeE4CarriageOf(genotype: string): SponsorCategories['apoeE4'] {
  if (genotype === 'unknown') return 'unknown';
  return genotype.split('/').includes('e4') ? 'carrier' : 'non_carrier';
}
