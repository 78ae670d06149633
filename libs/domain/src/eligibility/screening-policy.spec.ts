import { ParticipantStatus } from '../participants/participant-status';
import { evaluateCriteria, ParticipantProfile } from './evaluate';
import {
  approachability,
  decideTrialScreening,
  determinationHistoryReasons,
  FlagKind,
  flagCloseReason,
  StoredVerdict,
} from './screening-policy';
import { AS_OF, baseProfile, withObservation } from './test-profiles';
import { TRIAL_TEMPLATES } from './trial-templates';

const A4 = TRIAL_TEMPLATES.find((t) => t.key === 'a4')!.criteria.criteria;
const CRITERIA_VERSION = 1;

const judged = (profile: ParticipantProfile) => {
  const determination = evaluateCriteria(A4, profile, { asOf: AS_OF, trialId: 'a4' });
  return {
    determination,
    verdict: { result: determination.result, oneTestAway: determination.oneTestAway?.test ?? null },
  };
};

/** What screening decides for A4 about the participant, given what was stored and the flags open. */
const screen = (
  profile: ParticipantProfile,
  { stored, open = [] }: { stored?: StoredVerdict; open?: FlagKind[] } = {},
) => decideTrialScreening(approachability(profile), CRITERIA_VERSION, judged(profile).verdict, stored, open);

/** What the last screening stored when it judged the participant as they are now. */
const storedAsNow = (profile: ParticipantProfile, explained = true): StoredVerdict => ({
  criteriaVersion: CRITERIA_VERSION,
  ...judged(profile).verdict,
  explained,
});

const closeReason = (profile: ParticipantProfile) => {
  const { verdict, determination } = judged(profile);
  return flagCloseReason(approachability(profile), profile.status, verdict, () => determination);
};

// A 70-year-old with a florbetapir SUVR of 1.2, normal cognition, a study partner and recontact consent.
const eligible = withObservation(baseProfile(), 'amyloid_pet.suvr', 1.2, '2026-03-01', 'florbetapir');
// The same person before their PET: A4 lacks only the amyloid PET.
const lackingPet = baseProfile();
const tooOld = { ...eligible, birthDate: '1940-01-15' };

describe('screening policy: who is flagged', () => {
  it('a participant newly eligible for a recruiting trial is flagged eligible, and the determination stored', () => {
    expect(screen(eligible)).toEqual({ determination: 'result', closeFlagsBut: null, raiseFlag: 'eligible' });
  });

  it('an eligible participant with an open eligible flag is flagged once: nothing is written again', () => {
    expect(screen(eligible, { stored: storedAsNow(eligible), open: ['eligible'] })).toBeNull();
  });

  it('a participant lacking only an amyloid PET is flagged one test away, and the flag names the test', () => {
    expect(judged(lackingPet).verdict).toEqual({ result: 'undetermined', oneTestAway: 'amyloid_pet' });
    expect(screen(lackingPet)?.raiseFlag).toBe('one_test_away');
  });

  it('an eligible participant whose recontact consent is withdrawn is not flagged', () => {
    const noRecontact = { ...eligible, consentScopes: ['registry_follow_up'] };
    expect(screen(noRecontact, { stored: storedAsNow(noRecontact) })).toBeNull();
  });

  it.each([ParticipantStatus.Withdrawn, ParticipantStatus.Deceased, ParticipantStatus.InTrial])(
    'a %s participant is never flagged, even one test away',
    (status) => {
      const person = { ...lackingPet, status };
      expect(screen(person)?.raiseFlag ?? null).toBeNull();
    },
  );

  it('an ineligible participant is not flagged, but their determination is stored', () => {
    expect(screen(tooOld)).toEqual({ determination: 'result', closeFlagsBut: null, raiseFlag: null });
  });
});

describe('screening policy: when a flag closes, and why', () => {
  it('a flag closes with the deciding criterion when the participant is no longer eligible', () => {
    const decision = screen(tooOld, { stored: storedAsNow(eligible), open: ['eligible'] });
    expect(decision).toEqual({ determination: 'result', closeFlagsBut: { keep: null }, raiseFlag: null });
    expect(closeReason(tooOld)).toBe('no longer eligible: age 65-85');
  });

  it('the close reason names only the criteria that decided, not a failed alternative', () => {
    // AHEAD takes age 65 or more, or a family history (or APOE e4, or amyloid): a 70-year-old qualifies by
    // age. Without a study partner they are ineligible, and only that is the reason.
    const ahead = TRIAL_TEMPLATES.find((t) => t.key === 'ahead-a45')!.criteria.criteria;
    const person = { ...baseProfile({ familyHistory: false }), studyPartnerAvailable: false };
    const determination = evaluateCriteria(ahead, person, { asOf: AS_OF, trialId: 'ahead-a45' });
    expect(determination.result).toBe('ineligible');
    expect(determination.leaves.filter((leaf) => leaf.outcome === 'fail').map((l) => l.criterion)).toContain(
      'first-degree family history of dementia with onset before 75',
    );
    const verdict = { result: determination.result, oneTestAway: null };
    expect(flagCloseReason('approachable', person.status, verdict, () => determination)).toBe(
      'no longer eligible: study partner available',
    );
  });

  it('a one-test-away flag closes as "now eligible" when the test comes back in range, and an eligible flag is raised', () => {
    expect(screen(eligible, { stored: storedAsNow(lackingPet), open: ['one_test_away'] })).toEqual({
      determination: 'result',
      closeFlagsBut: { keep: 'eligible' },
      raiseFlag: 'eligible',
    });
    expect(closeReason(eligible)).toBe('now eligible');
  });

  it('an eligible flag closes when recontact consent is withdrawn, saying so', () => {
    const noRecontact = { ...eligible, consentScopes: ['registry_follow_up'] };
    // A4 itself asks for the consent: the stored result changes too.
    expect(screen(noRecontact, { stored: storedAsNow(eligible), open: ['eligible'] })).toEqual({
      determination: 'result',
      closeFlagsBut: { keep: null },
      raiseFlag: null,
    });
    expect(closeReason(noRecontact)).toBe('no consent to be recontacted for trials');
  });

  it('an eligible flag closes when the participant withdraws, naming their status', () => {
    const withdrawn = { ...eligible, status: ParticipantStatus.Withdrawn };
    expect(screen(withdrawn, { open: ['eligible'] })?.closeFlagsBut).toEqual({ keep: null });
    expect(closeReason(withdrawn)).toBe('participant status is withdrawn');
  });
});

describe('screening policy: what is stored', () => {
  it('an unchanged result is kept as stored, even if its explanation would read differently today', () => {
    const laterMmse = withObservation(eligible, 'mmse.total', 28, '2026-05-20');
    expect(screen(laterMmse, { stored: storedAsNow(eligible), open: ['eligible'] })).toBeNull();
  });

  it('a result stored before explanations were kept is stored again with one, as the same result', () => {
    expect(screen(eligible, { stored: storedAsNow(eligible, false), open: ['eligible'] })).toEqual({
      determination: 'explanation',
      closeFlagsBut: null,
      raiseFlag: null,
    });
  });

  it('a new criteria version stores the determination again, even with the same result', () => {
    const stored = { ...storedAsNow(eligible), criteriaVersion: CRITERIA_VERSION - 1 };
    expect(screen(eligible, { stored, open: ['eligible'] })?.determination).toBe('result');
  });

  it('the history of a changed determination names what failed or is missing', () => {
    expect(determinationHistoryReasons(judged(lackingPet).determination)).toEqual([
      expect.stringMatching(/^unknown: needs amyloid PET SUVR \(florbetapir\)/),
    ]);
    expect(determinationHistoryReasons(judged(tooOld).determination)).toEqual(['fails: age 65-85']);
  });
});
