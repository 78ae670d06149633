import { ParticipantStatus } from '../participants/participant-status';
import { evaluateCriteria } from './evaluate';
import { ScreeningPlan } from './screening-plan';
import { generatedProfiles, HAND_MADE } from './generated-profiles';
import { AS_OF, baseProfile, withObservation } from './test-profiles';
import { TRIAL_TEMPLATES } from './trial-templates';

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
