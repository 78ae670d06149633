import { AmyloidModality, AmyloidStatus } from '../biomarkers/amyloid-status';
import { ConsentScope } from '../consent/consent-scope';
import { ParticipantStatus } from '../participants/participant-status';
import { SeededRandom } from '../synthetic/random';
import type { Criterion } from './criteria';
import { evaluateCriteria, Observation, ParticipantProfile } from './evaluate';
import { observationKey } from './measures';
import { ScreeningPlan } from './screening-plan';
import { AS_OF, baseProfile, withObservation } from './test-profiles';
import { TRIAL_TEMPLATES } from './trial-templates';

/** A day `days` before AS_OF. */
function daysBefore(days: number): string {
  return new Date(Date.parse(`${AS_OF}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Participants covering every branch the templates have: each fact present, missing or out of date, on
 * both sides of the thresholds, with the statuses, consents and trial commitments that change a result.
 */
function generatedProfiles(count: number, seed: number): ParticipantProfile[] {
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
const HAND_MADE: Criterion[] = [
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

const TRIALS = [...TRIAL_TEMPLATES.map((t) => t.criteria.criteria), ...HAND_MADE].map((criteria, i) => ({
  id: `trial-${i}`,
  criteria,
}));

describe('a screening plan', () => {
  it('gives the result and one-test-away test evaluateCriteria gives, for every trial and participant', () => {
    const plan = new ScreeningPlan(TRIALS);
    const profiles = generatedProfiles(3000, 7);
    const seen = new Set<string>();
    for (const profile of profiles) {
      const screen = plan.forParticipant(profile, AS_OF);
      TRIALS.forEach((trial, index) => {
        const full = evaluateCriteria(trial.criteria, profile, { asOf: AS_OF, trialId: trial.id });
        const verdict = screen.verdict(index);
        expect(verdict).toEqual({ result: full.result, oneTestAway: full.oneTestAway?.test ?? null });
        seen.add(`${verdict.result}|${verdict.oneTestAway ?? ''}`);
      });
    }
    // The population is varied enough for the comparison to mean something.
    expect([...seen].filter((s) => s.startsWith('eligible')).length).toBeGreaterThan(0);
    expect([...seen].filter((s) => s.startsWith('ineligible')).length).toBeGreaterThan(0);
    expect(
      [...seen].filter((s) => s.startsWith('undetermined|') && s !== 'undetermined|').length,
    ).toBeGreaterThan(2);
    expect(seen.has('undetermined|')).toBe(true);
  });

  it('judges a leaf shared by several trials once', () => {
    const ageBand = { type: 'age', min: 60, max: 85 } as const;
    const plan = new ScreeningPlan([
      { id: 'a', criteria: { type: 'all', of: [ageBand, { type: 'study_partner' }] } },
      {
        id: 'b',
        criteria: {
          type: 'all',
          of: [
            { type: 'age', min: 60, max: 85 },
            { type: 'sex', in: ['male'] },
          ],
        },
      },
    ]);
    expect(plan.distinctLeaves).toBe(3);
  });

  it('names the assessment types its trials read', () => {
    const plan = new ScreeningPlan([
      { id: 'a4', criteria: TRIAL_TEMPLATES.find((t) => t.key === 'a4')!.criteria.criteria },
      { id: 'hand-made', criteria: HAND_MADE[1] },
    ]);
    expect(plan.assessmentTypes).toEqual(['amyloid_pet', 'cdr', 'csf', 'logical_memory', 'mmse', 'mri']);
  });

  it('asks "another trial?" for each trial separately', () => {
    const plan = new ScreeningPlan([
      { id: 'trial-a', criteria: { type: 'not_in_other_trial' } },
      { id: 'trial-b', criteria: { type: 'not_in_other_trial' } },
    ]);
    const screen = plan.forParticipant(
      baseProfile({ status: ParticipantStatus.InTrial, trialCommitments: ['trial-a'] }),
      AS_OF,
    );
    expect(screen.verdict(0).result).toBe('eligible');
    expect(screen.verdict(1).result).toBe('ineligible');
  });

  it('names the one test a participant lacks', () => {
    const a4 = TRIAL_TEMPLATES.find((t) => t.key === 'a4')!;
    const plan = new ScreeningPlan([{ id: 'a4', criteria: a4.criteria.criteria }]);
    const noAmyloid = withObservation(baseProfile(), 'mmse.total', 29);
    expect(plan.forParticipant(noAmyloid, AS_OF).verdict(0)).toEqual({
      result: 'undetermined',
      oneTestAway: 'amyloid_pet',
    });
    const elevated = withObservation(noAmyloid, 'amyloid_pet.suvr', 1.2, '2026-05-01', 'florbetapir');
    expect(plan.forParticipant(elevated, AS_OF).verdict(0)).toEqual({
      result: 'eligible',
      oneTestAway: null,
    });
  });
});
