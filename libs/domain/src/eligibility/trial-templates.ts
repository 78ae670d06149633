import { AmyloidModality, AmyloidStatus } from '../biomarkers/amyloid-status';
import { ConsentScope } from '../consent/consent-scope';
import { ParticipantStatus } from '../participants/participant-status';
import type { CriteriaDocument, Criterion } from './criteria';

/**
 * Real prevention-trial criteria (shared/domain/README.md and facts.md section 2) written in the criteria
 * language, as templates a sponsor starts from. Recency windows are template defaults, not published values:
 * 90 days for cognition and MRI (as Bio-Hermes-002 asks of MRI, facts.md section 2), 365 days for amyloid
 * imaging, 180 days for a plasma prescreen. Sponsors set their own when they create the trial.
 */
export interface TrialTemplate {
  key: string;
  title: string;
  registryNumber: string;
  phase: string;
  criteria: CriteriaDocument;
  source: string;
}

const COGNITION_DAYS = 90;
const MRI_DAYS = 90;
const AMYLOID_PET_DAYS = 365;
const PLASMA_DAYS = 180;

/** What every referral needs from the registry side: followed, consented to recontact, free, with a partner. */
const REGISTRY_READY: Criterion[] = [
  { type: 'status', in: [ParticipantStatus.Enrolled, ParticipantStatus.Screening] },
  { type: 'consent', scope: ConsentScope.RecontactForTrials },
  { type: 'not_in_other_trial' },
  { type: 'study_partner' },
];

const cdrZero: Criterion = {
  type: 'measure',
  measure: 'cdr.global',
  comparator: '=',
  value: 0,
  maxAgeDays: COGNITION_DAYS,
};

/** Lecanemab-class MRI exclusions (Cummings et al., J Prev Alz Dis 2023): > 4 microhaemorrhages, siderosis, macrohaemorrhage. */
const LECANEMAB_MRI: Criterion[] = [
  { type: 'measure', measure: 'mri.microhaemorrhages', comparator: '<=', value: 4, maxAgeDays: MRI_DAYS },
  {
    type: 'measure',
    measure: 'mri.superficial_siderosis',
    comparator: '=',
    value: false,
    maxAgeDays: MRI_DAYS,
  },
  { type: 'measure', measure: 'mri.macrohaemorrhage', comparator: '=', value: false, maxAgeDays: MRI_DAYS },
];

/**
 * AHEAD 3-45 (NCT04468659; facts.md section 1.4): ages 55-80, and ages 55-64 need one extra risk factor:
 * a first-degree relative with dementia onset before 75, at least one APOE e4 allele, or known elevated
 * amyloid from an earlier PET or CSF.
 * - "Elevated" is the positive band only: an intermediate result is not elevated, and plasma is a prescreen
 *   in AHEAD, not a PET or CSF result, so neither counts, and a newer plasma result cannot undo a PET or CSF.
 * - PET and CSF are judged each on its own latest result (`decidedBy: 'any_modality'`), as the criterion
 *   names each as a source: a positive CSF is not withdrawn by a later PET that reads only intermediate (a
 *   different measure), and the reverse; a later result of the same modality does replace an earlier one.
 *   Once the registry holds a PET or CSF result, a missing other one does not leave the factor open.
 * - "Earlier" has no published maximum age (facts.md section 9, item 2), so no recency window: a positive
 *   PET or CSF of any date counts. Recency belongs to the qualifying scan below, which has its own window.
 */
const AHEAD_AGE: Criterion = {
  type: 'all',
  of: [
    { type: 'age', min: 55, max: 80 },
    {
      type: 'any',
      of: [
        { type: 'age', min: 65 },
        { type: 'family_history', onsetBeforeAge: 75 },
        { type: 'apoe_e4_alleles', min: 1 },
        {
          type: 'amyloid',
          in: [AmyloidStatus.Positive],
          modalities: [AmyloidModality.Pet, AmyloidModality.Csf],
          decidedBy: 'any_modality',
        },
      ],
    },
  ],
};

const ahead = (amyloid: Criterion): Criterion => ({
  type: 'all',
  of: [
    AHEAD_AGE,
    cdrZero,
    { type: 'measure', measure: 'mmse.total', comparator: '>=', value: 27, maxAgeDays: COGNITION_DAYS },
    {
      type: 'measure',
      measure: 'logical_memory.delayed_recall',
      comparator: '>=',
      value: 6,
      maxAgeDays: COGNITION_DAYS,
    },
    amyloid,
    ...LECANEMAB_MRI,
    ...REGISTRY_READY,
  ],
});

export const TRIAL_TEMPLATES: readonly TrialTemplate[] = [
  {
    key: 'a4',
    title: 'A4: Anti-Amyloid Treatment in Asymptomatic Alzheimer’s',
    registryNumber: 'NCT02008357',
    phase: '3',
    source:
      'Sperling et al., NEJM 2023;389:1096; Langford et al., J Prev Alz Dis 2020 (florbetapir SUVR >= 1.15)',
    criteria: {
      language: 1,
      criteria: {
        type: 'all',
        of: [
          { type: 'age', min: 65, max: 85 },
          cdrZero,
          {
            type: 'measure',
            measure: 'mmse.total',
            comparator: 'between',
            min: 25,
            max: 30,
            maxAgeDays: COGNITION_DAYS,
          },
          {
            type: 'measure',
            measure: 'logical_memory.delayed_recall',
            comparator: 'between',
            min: 6,
            max: 18,
            maxAgeDays: COGNITION_DAYS,
          },
          {
            type: 'measure',
            measure: 'amyloid_pet.suvr',
            qualifier: 'florbetapir',
            comparator: '>=',
            value: 1.15,
            maxAgeDays: AMYLOID_PET_DAYS,
          },
          {
            type: 'measure',
            measure: 'mri.microhaemorrhages',
            comparator: '<=',
            value: 4,
            maxAgeDays: MRI_DAYS,
          },
          {
            type: 'measure',
            measure: 'mri.superficial_siderosis',
            comparator: '=',
            value: false,
            maxAgeDays: MRI_DAYS,
          },
          ...REGISTRY_READY,
        ],
      },
    },
  },
  {
    key: 'ahead-a3',
    title: 'AHEAD 3-45, A3 arm (intermediate amyloid)',
    registryNumber: 'NCT04468659',
    phase: '3',
    source: 'NCT04468659 eligibility (trials.co, centerwatch): A3 about 20-40 CL on screening PET',
    criteria: {
      language: 1,
      criteria: ahead({
        type: 'measure',
        measure: 'amyloid_pet.centiloid',
        comparator: 'between',
        min: 20,
        max: 40,
        maxAgeDays: AMYLOID_PET_DAYS,
      }),
    },
  },
  {
    key: 'ahead-a45',
    title: 'AHEAD 3-45, A45 arm (elevated amyloid)',
    registryNumber: 'NCT04468659',
    phase: '3',
    source: 'NCT04468659 eligibility (trials.co, centerwatch): A45 above 40 CL on screening PET',
    criteria: {
      language: 1,
      criteria: ahead({
        type: 'measure',
        measure: 'amyloid_pet.centiloid',
        comparator: '>',
        value: 40,
        maxAgeDays: AMYLOID_PET_DAYS,
      }),
    },
  },
  {
    key: 'trailblazer-alz-3',
    title: 'TRAILBLAZER-ALZ 3 (donanemab, plasma p-tau217 prescreen)',
    registryNumber: 'NCT05026866',
    phase: '3',
    source: 'Yaari et al., Alz Dement 2025;21(9):e70662',
    criteria: {
      language: 1,
      criteria: {
        type: 'all',
        of: [
          { type: 'age', min: 55, max: 80 },
          {
            type: 'measure',
            measure: 'plasma.result',
            qualifier: 'ptau217',
            comparator: '=',
            value: 'positive',
            maxAgeDays: PLASMA_DAYS,
          },
          ...REGISTRY_READY,
        ],
      },
    },
  },
];
