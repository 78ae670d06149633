import { AmyloidModality, AmyloidStatus } from '../biomarkers/amyloid-status';
import { ConsentScope } from '../consent/consent-scope';
import { ParticipantStatus } from '../participants/participant-status';
import { SeededRandom } from '../synthetic/random';
import type { Criterion } from './criteria';
import type { Observation, ParticipantProfile } from './evaluate';
import { observationKey } from './measures';
import { AS_OF } from './test-profiles';

// Test support shared by the specs that compare the engine with itself over many participants (the
// screening plan, the day a determination can next change with time): not exported by the library.

/** A day `days` before AS_OF. */
export function daysBefore(days: number): string {
  return new Date(Date.parse(`${AS_OF}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Participants covering every branch the templates have: each fact present, missing or out of date, on
 * both sides of the thresholds, with the statuses, consents and trial commitments that change a result.
 */
export function generatedProfiles(count: number, seed: number): ParticipantProfile[] {
  const random = new SeededRandom(seed);
  const sometimes = <T>(value: () => T, probability = 0.8): T | undefined =>
    random.chance(probability) ? value() : undefined;
  const observed = (value: number | string | boolean): Observation => ({
    value,
    date: daysBefore(random.int(0, 900)),
  });
  return Array.from({ length: count }, (_, i) => {
    const observations: Record<string, Observation> = {};
    const put = (key: string, value: number | string | boolean | undefined) => {
      if (value !== undefined) observations[key] = observed(value);
    };
    put(
      observationKey('cdr.global'),
      sometimes(() => random.pick([0, 0, 0, 0.5, 1])),
    );
    put(
      observationKey('mmse.total'),
      sometimes(() => random.int(22, 30)),
    );
    put(
      observationKey('logical_memory.delayed_recall'),
      sometimes(() => random.int(2, 20)),
    );
    put(
      observationKey('mri.microhaemorrhages'),
      sometimes(() => random.int(0, 6)),
    );
    put(
      observationKey('mri.superficial_siderosis'),
      sometimes(() => random.chance(0.1)),
    );
    put(
      observationKey('mri.macrohaemorrhage'),
      sometimes(() => random.chance(0.05)),
    );
    put(
      observationKey('amyloid_pet.centiloid'),
      sometimes(() => random.int(-10, 120), 0.5),
    );
    put(
      observationKey('amyloid_pet.suvr', 'florbetapir'),
      sometimes(() => Math.round((0.9 + random.next() * 0.6) * 100) / 100, 0.4),
    );
    put(
      observationKey('plasma.result', 'ptau217'),
      sometimes(() => random.pick(['positive', 'negative', 'intermediate']), 0.5),
    );
    const amyloid: ParticipantProfile['amyloid'] = {};
    for (const modality of [AmyloidModality.Pet, AmyloidModality.Csf, AmyloidModality.Plasma]) {
      if (random.chance(0.4))
        (amyloid as Record<string, unknown>)[modality] = {
          status: random.pick(Object.values(AmyloidStatus)),
          date: daysBefore(random.int(0, 900)),
        };
    }
    const familyHistory = random.pick([true, false, null]);
    return {
      participantId: `GEN-${String(i).padStart(6, '0')}`,
      birthDate: daysBefore(random.int(45 * 365, 92 * 365)),
      sex: random.pick(['female', 'male']),
      educationYears: random.int(6, 22),
      apoeGenotype: random.pick(['e3/e3', 'e3/e4', 'e4/e4', 'e2/e3', 'unknown']),
      familyHistory,
      familyHistoryOnsetAge: familyHistory ? (random.chance(0.7) ? random.int(50, 85) : null) : null,
      studyPartnerAvailable: random.chance(0.85),
      status: random.pick([
        ParticipantStatus.Enrolled,
        ParticipantStatus.Enrolled,
        ParticipantStatus.Registered,
        ParticipantStatus.InTrial,
        ParticipantStatus.Withdrawn,
      ]),
      consentScopes: Object.values(ConsentScope).filter(() => random.chance(0.8)),
      trialCommitments: random.chance(0.1) ? [random.pick(['trial-0', 'trial-5', 'elsewhere'])] : [],
      observations,
      amyloid,
    };
  });
}

/** Criteria using what the templates do not: `not`, `any` at the top, sex, education, APOE, family history, windows. */
export const HAND_MADE: Criterion[] = [
  {
    type: 'any',
    of: [
      { type: 'apoe_e4_alleles', min: 1 },
      { type: 'family_history', onsetBeforeAge: 70 },
      { type: 'not', of: { type: 'education_years', max: 12 } },
    ],
  },
  {
    type: 'all',
    of: [
      { type: 'sex', in: ['female'] },
      {
        type: 'not',
        of: { type: 'amyloid', in: [AmyloidStatus.Negative], modalities: [AmyloidModality.Csf] },
      },
      { type: 'not_in_other_trial' },
      { type: 'measure', measure: 'mmse.total', comparator: 'between', min: 24, max: 30, maxAgeDays: 180 },
    ],
  },
  // Amyloid decided by any modality, with a window: the templates use it without one.
  {
    type: 'amyloid',
    in: [AmyloidStatus.Intermediate, AmyloidStatus.Positive],
    modalities: [AmyloidModality.Pet, AmyloidModality.Csf, AmyloidModality.Plasma],
    decidedBy: 'any_modality',
    maxAgeDays: 400,
  },
];
