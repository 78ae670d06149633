import { AmyloidModality as M, AmyloidStatus as S, statusFromCentiloid } from '../biomarkers/amyloid-status';
import { ParticipantStatus } from '../participants/participant-status';
import { evaluateCriteria, ParticipantProfile } from './evaluate';
import { AS_OF, baseProfile, withAmyloid, withObservation } from './test-profiles';
import { TRIAL_TEMPLATES } from './trial-templates';
import { validateCriteriaDocument } from './validate-criteria';

const template = (key: string) => TRIAL_TEMPLATES.find((t) => t.key === key)!;
const determine = (key: string, profile: ParticipantProfile) =>
  evaluateCriteria(template(key).criteria.criteria, profile, { asOf: AS_OF, trialId: key });
const birthDateForAge = (age: number) => `${2026 - age}-01-15`;

describe('trial templates', () => {
  it.each(TRIAL_TEMPLATES.map((t) => [t.key]))('%s is a valid criteria document', (key) => {
    expect(validateCriteriaDocument(template(key).criteria)).toEqual([]);
  });

  describe('A4', () => {
    const eligible = withObservation(baseProfile(), 'amyloid_pet.suvr', 1.2, '2026-03-01', 'florbetapir');
    it('accepts a 70-year-old with florbetapir SUVR 1.2 and normal cognition', () => {
      expect(determine('a4', eligible).result).toBe('eligible');
    });
    it.each([
      ['age 64', { ...eligible, birthDate: birthDateForAge(64) }],
      ['age 86', { ...eligible, birthDate: birthDateForAge(86) }],
      ['MMSE 24', withObservation(eligible, 'mmse.total', 24)],
      ['Logical Memory 5', withObservation(eligible, 'logical_memory.delayed_recall', 5)],
      ['Logical Memory 19', withObservation(eligible, 'logical_memory.delayed_recall', 19)],
      ['CDR 0.5', withObservation(eligible, 'cdr.global', 0.5)],
      ['SUVR 1.14', withObservation(eligible, 'amyloid_pet.suvr', 1.14, '2026-03-01', 'florbetapir')],
      ['5 microhaemorrhages', withObservation(eligible, 'mri.microhaemorrhages', 5)],
      ['superficial siderosis', withObservation(eligible, 'mri.superficial_siderosis', true)],
      ['no study partner', { ...eligible, studyPartnerAvailable: false }],
      ['no recontact consent', { ...eligible, consentScopes: ['registry_follow_up'] }],
      ['in another trial', { ...eligible, trialCommitments: ['ahead-a45'] }],
      ['withdrawn', { ...eligible, status: ParticipantStatus.Withdrawn }],
    ])('refuses %s', (_, profile) => {
      expect(determine('a4', profile).result).toBe('ineligible');
    });
    it('accepts the limits themselves: age 65 and 85, MMSE 25, LM 6 and 18, SUVR 1.15, 4 microhaemorrhages', () => {
      for (const profile of [
        { ...eligible, birthDate: birthDateForAge(65) },
        { ...eligible, birthDate: birthDateForAge(85) },
        withObservation(eligible, 'mmse.total', 25),
        withObservation(eligible, 'logical_memory.delayed_recall', 6),
        withObservation(eligible, 'logical_memory.delayed_recall', 18),
        withObservation(eligible, 'amyloid_pet.suvr', 1.15, '2026-03-01', 'florbetapir'),
        withObservation(eligible, 'mri.microhaemorrhages', 4),
      ]) {
        expect(determine('a4', profile).result).toBe('eligible');
      }
    });
    it('is one amyloid PET away without one', () => {
      expect(determine('a4', baseProfile()).oneTestAway).toEqual({
        test: 'amyloid_pet',
        needs: ['needs amyloid PET SUVR (florbetapir) within 365 days'],
      });
    });
  });

  describe('AHEAD A3 and A45', () => {
    const withCentiloid = (cl: number, profile = baseProfile()) =>
      withObservation(profile, 'amyloid_pet.centiloid', cl, '2026-03-01');
    it.each([
      [20, 'eligible', 'ineligible'],
      [40, 'eligible', 'ineligible'],
      [19.9, 'ineligible', 'ineligible'],
      [40.1, 'ineligible', 'eligible'],
    ])('Centiloid %s: A3 %s, A45 %s', (cl, a3, a45) => {
      expect(determine('ahead-a3', withCentiloid(cl)).result).toBe(a3);
      expect(determine('ahead-a45', withCentiloid(cl)).result).toBe(a45);
    });
    it('needs MMSE >= 27 and Logical Memory >= 6', () => {
      expect(determine('ahead-a45', withObservation(withCentiloid(60), 'mmse.total', 26)).result).toBe(
        'ineligible',
      );
      expect(determine('ahead-a45', withObservation(withCentiloid(60), 'mmse.total', 27)).result).toBe(
        'eligible',
      );
      expect(
        determine('ahead-a45', withObservation(withCentiloid(60), 'logical_memory.delayed_recall', 5)).result,
      ).toBe('ineligible');
    });
    it('excludes a macrohaemorrhage (lecanemab-class MRI rule)', () => {
      expect(
        determine('ahead-a45', withObservation(withCentiloid(60), 'mri.macrohaemorrhage', true)).result,
      ).toBe('ineligible');
    });

    describe('ages 55-64 need a risk factor: a relative with onset before 75, an APOE e4 allele, or known elevated amyloid by PET or CSF', () => {
      // The qualifying PET with the status the registry derives from it (AMYPAD bands): 25 CL is in the A3
      // band and intermediate, so it is not elevated amyloid; 35 CL is in the A3 band and positive.
      const withPet = (cl: number, profile: ParticipantProfile) =>
        withAmyloid(withCentiloid(cl, profile), M.Pet, statusFromCentiloid(cl), '2026-03-01');
      // e3/e3 and no family history (baseProfile): no risk factor but the amyloid ones under test.
      const sixtyYearOld = (overrides: Partial<ParticipantProfile> = {}) =>
        withPet(25, baseProfile({ birthDate: birthDateForAge(60), ...overrides }));

      it('refuses a 60-year-old with no risk factor whose own A3-band PET is intermediate', () => {
        expect(determine('ahead-a3', sixtyYearOld()).result).toBe('ineligible');
      });
      it('accepts a 60-year-old with one APOE e4 allele, not one with none', () => {
        expect(determine('ahead-a3', sixtyYearOld({ apoeGenotype: 'e3/e4' })).result).toBe('eligible');
        expect(determine('ahead-a3', sixtyYearOld({ apoeGenotype: 'e3/e3' })).result).toBe('ineligible');
      });
      it('accepts a 60-year-old whose parent had onset at 74, not at 75, nor one with no affected relative', () => {
        expect(
          determine('ahead-a3', sixtyYearOld({ familyHistory: true, familyHistoryOnsetAge: 74 })).result,
        ).toBe('eligible');
        expect(
          determine('ahead-a3', sixtyYearOld({ familyHistory: true, familyHistoryOnsetAge: 75 })).result,
        ).toBe('ineligible');
        expect(determine('ahead-a3', sixtyYearOld({ familyHistory: false })).result).toBe('ineligible');
      });
      it('counts a PET in the positive band (35 CL) as known elevated amyloid, not one in the intermediate band (25 CL)', () => {
        const young = baseProfile({ birthDate: birthDateForAge(60) });
        expect(determine('ahead-a3', withPet(35, young)).result).toBe('eligible');
        expect(determine('ahead-a3', withPet(25, young)).result).toBe('ineligible');
      });
      it('counts a positive CSF of any date, even six years old and before a PET that reads intermediate', () => {
        expect(
          determine('ahead-a3', withAmyloid(sixtyYearOld(), M.Csf, S.Positive, '2020-02-01')).result,
        ).toBe('eligible');
      });
      it('does not count an intermediate CSF', () => {
        expect(
          determine('ahead-a3', withAmyloid(sixtyYearOld(), M.Csf, S.Intermediate, '2026-02-01')).result,
        ).toBe('ineligible');
      });
      it('does not count plasma: a positive plasma is no risk factor, and a newer negative one does not undo a positive CSF', () => {
        expect(
          determine('ahead-a3', withAmyloid(sixtyYearOld(), M.Plasma, S.Positive, '2026-05-15')).result,
        ).toBe('ineligible');
        const csfPositive = withAmyloid(sixtyYearOld(), M.Csf, S.Positive, '2026-04-01');
        expect(
          determine('ahead-a3', withAmyloid(csfPositive, M.Plasma, S.Negative, '2026-05-15')).result,
        ).toBe('eligible');
      });
      it('is ineligible the day before the 65th birthday and eligible on it, with no risk factor', () => {
        const turning65On1June = withPet(25, baseProfile({ birthDate: '1961-06-01' }));
        const onDay = (asOf: string) =>
          evaluateCriteria(template('ahead-a3').criteria.criteria, turning65On1June, {
            asOf,
            trialId: 'ahead-a3',
          }).result;
        expect(onDay('2026-05-31')).toBe('ineligible');
        expect(onDay('2026-06-01')).toBe('eligible');
      });
      it('in A45, the qualifying PET above 40 CL is itself elevated amyloid, so a 60-year-old needs no other factor', () => {
        expect(
          determine('ahead-a45', withPet(60, baseProfile({ birthDate: birthDateForAge(60) }))).result,
        ).toBe('eligible');
      });
      it('is undetermined for a 60-year-old whose APOE, family history and CSF are unknown', () => {
        expect(
          determine('ahead-a3', sixtyYearOld({ apoeGenotype: 'unknown', familyHistory: null })).result,
        ).toBe('undetermined');
      });
      it('is one amyloid PET away for a 60-year-old with no risk factor known yet: the PET decides both rules', () => {
        const noAmyloidYet = baseProfile({ birthDate: birthDateForAge(60) });
        expect(determine('ahead-a45', noAmyloidYet)).toMatchObject({
          result: 'undetermined',
          oneTestAway: { test: 'amyloid_pet' },
        });
      });
      it('refuses ages 54 and 81', () => {
        expect(
          determine(
            'ahead-a45',
            withCentiloid(60, baseProfile({ birthDate: birthDateForAge(54), apoeGenotype: 'e4/e4' })),
          ).result,
        ).toBe('ineligible');
        expect(
          determine('ahead-a45', withCentiloid(60, baseProfile({ birthDate: birthDateForAge(81) }))).result,
        ).toBe('ineligible');
      });
    });
  });

  describe('TRAILBLAZER-ALZ 3', () => {
    const plasma = (result: string, date = '2026-04-01', analyte = 'ptau217') =>
      withObservation(baseProfile(), 'plasma.result', result, date, analyte);
    it('accepts a positive plasma p-tau217 within 180 days', () => {
      expect(determine('trailblazer-alz-3', plasma('positive')).result).toBe('eligible');
    });
    it('refuses intermediate or negative results', () => {
      expect(determine('trailblazer-alz-3', plasma('intermediate')).result).toBe('ineligible');
      expect(determine('trailblazer-alz-3', plasma('negative')).result).toBe('ineligible');
    });
    it('does not take another analyte for p-tau217, and wants a fresh result', () => {
      expect(
        determine('trailblazer-alz-3', plasma('positive', '2026-04-01', 'abeta42_40_ratio')).oneTestAway
          ?.test,
      ).toBe('plasma');
      expect(determine('trailblazer-alz-3', plasma('positive', '2025-10-01')).oneTestAway).toEqual({
        test: 'plasma',
        needs: ['plasma result (ptau217) of 2025-10-01 is older than 180 days'],
      });
    });
    it('refuses ages outside 55-80', () => {
      expect(
        determine('trailblazer-alz-3', { ...plasma('positive'), birthDate: birthDateForAge(81) }).result,
      ).toBe('ineligible');
    });
  });
});
