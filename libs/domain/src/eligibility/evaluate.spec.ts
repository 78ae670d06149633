import { AmyloidModality as M, AmyloidStatus as S } from '../biomarkers/amyloid-status';
import { ParticipantStatus } from '../participants/participant-status';
import type { Criterion } from './criteria';
import { evaluateCriteria } from './evaluate';
import { AS_OF, baseProfile, withAmyloid, withObservation } from './test-profiles';

const evaluate = (criteria: Criterion, profile = baseProfile(), trialId = 'trial-1') =>
  evaluateCriteria(criteria, profile, { asOf: AS_OF, trialId });
const outcome = (criteria: Criterion, profile = baseProfile()) =>
  evaluate(criteria, profile).leaves[0].outcome;

describe('criteria leaves', () => {
  it('age at the evaluation date, on both sides of the limit', () => {
    expect(outcome({ type: 'age', min: 70 })).toBe('pass'); // 70 on 2026-06-01
    expect(outcome({ type: 'age', min: 71 })).toBe('fail');
    expect(evaluateCriteria({ type: 'age', max: 70 }, baseProfile(), { asOf: '2027-01-15' }).result).toBe(
      'ineligible',
    ); // turned 71
  });

  it('sex, education and study partner', () => {
    expect(outcome({ type: 'sex', in: ['female'] })).toBe('pass');
    expect(outcome({ type: 'sex', in: ['male'] })).toBe('fail');
    expect(outcome({ type: 'education_years', min: 12 })).toBe('pass');
    expect(outcome({ type: 'education_years', max: 12 })).toBe('fail');
    expect(outcome({ type: 'study_partner' }, baseProfile({ studyPartnerAvailable: false }))).toBe('fail');
  });

  it('APOE e4 alleles: pass, fail, and unknown when not genotyped', () => {
    expect(outcome({ type: 'apoe_e4_alleles', min: 1 }, baseProfile({ apoeGenotype: 'e3/e4' }))).toBe('pass');
    expect(outcome({ type: 'apoe_e4_alleles', min: 2 }, baseProfile({ apoeGenotype: 'e3/e4' }))).toBe('fail');
    const unknown = evaluate({ type: 'apoe_e4_alleles', min: 1 }, baseProfile({ apoeGenotype: 'unknown' }));
    expect(unknown.leaves[0]).toMatchObject({
      outcome: 'unknown',
      needs: 'needs APOE genotyping',
      tests: ['apoe_genotype'],
    });
  });

  it('family history with onset age: pass, fail and unknown', () => {
    const rule: Criterion = { type: 'family_history', onsetBeforeAge: 75 };
    expect(outcome(rule, baseProfile({ familyHistory: true, familyHistoryOnsetAge: 74 }))).toBe('pass');
    expect(outcome(rule, baseProfile({ familyHistory: true, familyHistoryOnsetAge: 75 }))).toBe('fail');
    expect(outcome(rule, baseProfile({ familyHistory: false }))).toBe('fail');
    expect(outcome(rule, baseProfile({ familyHistory: null }))).toBe('unknown');
    expect(outcome(rule, baseProfile({ familyHistory: true, familyHistoryOnsetAge: null }))).toBe('unknown');
  });

  it('registry status, consent and other trials', () => {
    expect(outcome({ type: 'status', in: [ParticipantStatus.Enrolled] })).toBe('pass');
    expect(outcome({ type: 'status', in: [ParticipantStatus.Screening] })).toBe('fail');
    expect(outcome({ type: 'consent', scope: 'recontact_for_trials' as never })).toBe('pass');
    expect(outcome({ type: 'consent', scope: 'sponsor_data_sharing' as never })).toBe('fail');
    expect(outcome({ type: 'not_in_other_trial' })).toBe('pass');
    expect(outcome({ type: 'not_in_other_trial' }, baseProfile({ trialCommitments: ['trial-2'] }))).toBe(
      'fail',
    );
    expect(outcome({ type: 'not_in_other_trial' }, baseProfile({ trialCommitments: ['trial-1'] }))).toBe(
      'pass',
    );
  });

  it('measures with each comparator, and recency', () => {
    const mmse = (comparator: string, extra: object) =>
      ({ type: 'measure', measure: 'mmse.total', comparator, ...extra }) as Criterion;
    expect(outcome(mmse('=', { value: 29 }))).toBe('pass');
    expect(outcome(mmse('<', { value: 29 }))).toBe('fail');
    expect(outcome(mmse('<=', { value: 29 }))).toBe('pass');
    expect(outcome(mmse('>', { value: 29 }))).toBe('fail');
    expect(outcome(mmse('>=', { value: 27 }))).toBe('pass');
    expect(outcome(mmse('between', { min: 25, max: 29 }))).toBe('pass');
    expect(outcome(mmse('between', { min: 30, max: 30 }))).toBe('fail');
    expect(outcome(mmse('in', { values: [28, 29] }))).toBe('pass');
    const stale = evaluate(mmse('>=', { value: 27, maxAgeDays: 20 }));
    expect(stale.leaves[0]).toMatchObject({
      outcome: 'unknown',
      value: 29,
      date: '2026-05-01',
      needs: 'MMSE of 2026-05-01 is older than 20 days',
      tests: ['mmse'],
    });
    const missing = evaluate({ type: 'measure', measure: 'moca.total', comparator: '>=', value: 26 });
    expect(missing.leaves[0]).toMatchObject({ outcome: 'unknown', needs: 'needs MoCA', tests: ['moca'] });
  });

  it('keeps tracer-specific SUVRs apart', () => {
    const a4Amyloid: Criterion = {
      type: 'measure',
      measure: 'amyloid_pet.suvr',
      qualifier: 'florbetapir',
      comparator: '>=',
      value: 1.15,
    };
    const florbetaben = withObservation(baseProfile(), 'amyloid_pet.suvr', 1.6, '2026-05-01', 'florbetaben');
    expect(outcome(a4Amyloid, florbetaben)).toBe('unknown');
    expect(
      outcome(
        a4Amyloid,
        withObservation(baseProfile(), 'amyloid_pet.suvr', 1.15, '2026-05-01', 'florbetapir'),
      ),
    ).toBe('pass');
    expect(
      outcome(
        a4Amyloid,
        withObservation(baseProfile(), 'amyloid_pet.suvr', 1.14, '2026-05-01', 'florbetapir'),
      ),
    ).toBe('fail');
  });

  it('amyloid status from the accepted modalities only, with recency', () => {
    const petOrCsf: Criterion = {
      type: 'amyloid',
      in: [S.Positive],
      modalities: [M.Pet, M.Csf],
      maxAgeDays: 365,
    };
    const plasmaOnly = withAmyloid(baseProfile(), M.Plasma, S.Positive);
    expect(evaluate(petOrCsf, plasmaOnly).leaves[0]).toMatchObject({
      outcome: 'unknown',
      needs: 'needs amyloid PET or CSF within 365 days',
      tests: ['amyloid_pet', 'csf'],
    });
    expect(outcome(petOrCsf, withAmyloid(baseProfile(), M.Csf, S.Positive))).toBe('pass');
    expect(outcome(petOrCsf, withAmyloid(baseProfile(), M.Pet, S.Negative))).toBe('fail');
    // The most recent of the accepted modalities decides.
    const both = withAmyloid(
      withAmyloid(baseProfile(), M.Pet, S.Negative, '2025-09-01'),
      M.Csf,
      S.Positive,
      '2026-02-01',
    );
    expect(outcome(petOrCsf, both)).toBe('pass');
    expect(outcome(petOrCsf, withAmyloid(baseProfile(), M.Pet, S.Positive, '2025-01-01'))).toBe('unknown');
  });

  describe('amyloid decided by any modality: each accepted modality’s own latest result counts', () => {
    const positiveByPetOrCsf: Criterion = {
      type: 'amyloid',
      in: [S.Positive],
      modalities: [M.Pet, M.Csf],
      decidedBy: 'any_modality',
    };
    const intermediatePet = withAmyloid(baseProfile(), M.Pet, S.Intermediate, '2026-03-01');

    it('passes on a positive CSF even when a later PET reads intermediate', () => {
      const earlierPositiveCsf = withAmyloid(intermediatePet, M.Csf, S.Positive, '2020-02-01');
      expect(evaluate(positiveByPetOrCsf, earlierPositiveCsf).leaves[0]).toMatchObject({
        outcome: 'pass',
        value: 'positive',
        date: '2020-02-01',
      });
    });
    it('fails once a PET or CSF result is held and none is positive, with the latest one as the reason', () => {
      expect(evaluate(positiveByPetOrCsf, intermediatePet).leaves[0]).toMatchObject({
        outcome: 'fail',
        value: 'intermediate',
        date: '2026-03-01',
      });
    });
    it('is unknown with no PET or CSF result, and ignores other modalities', () => {
      expect(outcome(positiveByPetOrCsf, withAmyloid(baseProfile(), M.Plasma, S.Positive))).toBe('unknown');
    });
    it('treats a result older than the window as missing', () => {
      const windowed: Criterion = { ...positiveByPetOrCsf, maxAgeDays: 365 };
      const oldPositiveCsf = withAmyloid(intermediatePet, M.Csf, S.Positive, '2020-02-01');
      expect(outcome(windowed, oldPositiveCsf)).toBe('fail');
      expect(
        evaluate(windowed, withAmyloid(baseProfile(), M.Csf, S.Positive, '2020-02-01')).leaves[0],
      ).toMatchObject({
        outcome: 'unknown',
        needs: 'csf result of 2020-02-01 is older than 365 days: needs amyloid PET or CSF within 365 days',
      });
    });
  });
});

describe('combinators (Kleene logic)', () => {
  const pass: Criterion = { type: 'age', min: 60 };
  const fail: Criterion = { type: 'age', min: 80 };
  const unknown: Criterion = { type: 'apoe_e4_alleles', min: 1 };
  const profile = baseProfile({ apoeGenotype: 'unknown' });
  const result = (criteria: Criterion) => evaluate(criteria, profile).result;

  it.each([
    ['all of pass, pass', { type: 'all', of: [pass, pass] }, 'eligible'],
    ['all with a fail', { type: 'all', of: [pass, fail, unknown] }, 'ineligible'],
    ['all with an unknown and no fail', { type: 'all', of: [pass, unknown] }, 'undetermined'],
    ['any with a pass', { type: 'any', of: [fail, unknown, pass] }, 'eligible'],
    ['any of fails', { type: 'any', of: [fail, fail] }, 'ineligible'],
    ['any with an unknown and no pass', { type: 'any', of: [fail, unknown] }, 'undetermined'],
    ['not pass', { type: 'not', of: pass }, 'ineligible'],
    ['not fail', { type: 'not', of: fail }, 'eligible'],
    ['not unknown', { type: 'not', of: unknown }, 'undetermined'],
  ] as [string, Criterion, string][])('%s', (_, criteria, expected) => {
    expect(result(criteria)).toBe(expected);
  });

  it('explains every leaf with its path', () => {
    const determination = evaluate({ type: 'all', of: [pass, { type: 'not', of: fail }] }, profile);
    expect(determination.leaves.map((l) => [l.path, l.criterion, l.outcome, l.value])).toEqual([
      ['$.criteria.of[0]', 'age >= 60', 'pass', 70],
      ['$.criteria.of[1].of', 'age >= 80', 'fail', 70],
    ]);
  });
});

describe('one test away', () => {
  it('names the single test that would decide an otherwise eligible participant', () => {
    const criteria: Criterion = {
      type: 'all',
      of: [
        { type: 'age', min: 65 },
        { type: 'measure', measure: 'amyloid_pet.centiloid', comparator: '>', value: 40, maxAgeDays: 365 },
      ],
    };
    expect(evaluate(criteria)).toMatchObject({
      result: 'undetermined',
      oneTestAway: { test: 'amyloid_pet', needs: ['needs amyloid PET Centiloid within 365 days'] },
    });
  });

  it('is not one test away when two different tests are missing', () => {
    const criteria: Criterion = {
      type: 'all',
      of: [
        { type: 'measure', measure: 'amyloid_pet.centiloid', comparator: '>', value: 40 },
        { type: 'measure', measure: 'moca.total', comparator: '>=', value: 26 },
      ],
    };
    expect(evaluate(criteria)).toMatchObject({ result: 'undetermined', oneTestAway: null });
  });

  it('is not one test away when a known fact already fails', () => {
    const criteria: Criterion = {
      type: 'all',
      of: [
        { type: 'age', min: 80 },
        { type: 'measure', measure: 'moca.total', comparator: '>=', value: 26 },
      ],
    };
    expect(evaluate(criteria)).toMatchObject({ result: 'ineligible', oneTestAway: null });
  });

  it('treats a stale result as a test to repeat', () => {
    const criteria: Criterion = {
      type: 'measure',
      measure: 'mmse.total',
      comparator: '>=',
      value: 27,
      maxAgeDays: 10,
    };
    expect(evaluate(criteria).oneTestAway).toEqual({
      test: 'mmse',
      needs: ['MMSE of 2026-05-01 is older than 10 days'],
    });
  });
});
