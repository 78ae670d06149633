import { ParticipantStatus } from '../participants/participant-status';
import { evaluateCriteria, ParticipantProfile } from './evaluate';
import {
  approachability,
  decideScreening,
  decideTrialScreening,
  determinationHistoryReasons,
  emptyWrites,
  FlagKind,
  flagCloseReason,
  hasScreeningWrites,
  ParticipantUnderScreening,
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

// A participant's screening against several trials at once (`decideScreening`), as the worker asks for it.
const AHEAD = TRIAL_TEMPLATES.find((t) => t.key === 'ahead-a45')!.criteria.criteria;
const TRIALS = [
  { id: 'trial-a4', criteriaVersion: 3, criteria: A4 },
  { id: 'trial-ahead', criteriaVersion: 1, criteria: AHEAD },
];

interface Situation {
  /** What the last screening stored, by trial id. */
  stored?: Record<string, StoredVerdict>;
  /** Open flags, by trial id. */
  open?: Record<string, FlagKind[]>;
  /** Trials that do not recruit at the participant's site. */
  notAtSite?: string[];
}

/** The participant as the policy asks about them, counting what it asks. */
function underScreening(profile: ParticipantProfile, situation: Situation = {}) {
  const asked = { verdicts: [] as string[], explanations: [] as string[] };
  const evaluated = (index: number) =>
    evaluateCriteria(TRIALS[index].criteria, profile, { asOf: AS_OF, trialId: TRIALS[index].id });
  const participant: ParticipantUnderScreening = {
    profile,
    asOf: AS_OF,
    verdict(index) {
      if (situation.notAtSite?.includes(TRIALS[index].id)) return null;
      asked.verdicts.push(TRIALS[index].id);
      const determination = evaluated(index);
      return { result: determination.result, oneTestAway: determination.oneTestAway?.test ?? null };
    },
    stored(index, into) {
      const stored = situation.stored?.[TRIALS[index].id];
      if (stored) Object.assign(into, stored);
      return stored !== undefined;
    },
    openFlags: (index) => situation.open?.[TRIALS[index].id] ?? [],
    explain(index) {
      asked.explanations.push(TRIALS[index].id);
      return evaluated(index);
    },
  };
  return { participant, asked };
}

/** What the last screening stored for each trial when it judged `profile`, and the flags it left open. */
function screenedBefore(profile: ParticipantProfile): Required<Pick<Situation, 'stored' | 'open'>> {
  const writes = decideScreening(underScreening(profile).participant, TRIALS)!;
  const stored: Record<string, StoredVerdict> = {};
  for (const d of writes.determinations)
    stored[d.trialId] = {
      criteriaVersion: d.criteriaVersion,
      result: d.result,
      oneTestAway: d.oneTestAway,
      explained: true,
    };
  const open: Record<string, FlagKind[]> = {};
  for (const flag of writes.flagsToRaise) (open[flag.trialId] ??= []).push(flag.kind);
  return { stored, open };
}

const decide = (profile: ParticipantProfile, situation?: Situation) =>
  decideScreening(underScreening(profile, situation).participant, TRIALS);

describe('screening a participant against every recruiting trial', () => {
  it('a participant screened for the first time has each determination stored with its explanation and history, and is flagged where eligible', () => {
    const writes = decide(eligible)!;
    expect(writes.determinations).toEqual([
      expect.objectContaining({
        participantId: eligible.participantId,
        trialId: 'trial-a4',
        criteriaVersion: 3,
        result: 'eligible',
        oneTestAway: null,
        asOf: AS_OF,
        historyReasons: [],
      }),
      expect.objectContaining({ trialId: 'trial-ahead', criteriaVersion: 1 }),
    ]);
    expect(writes.determinations[0].explanation).toEqual([1, AS_OF, expect.any(Array)]);
    expect(writes.flagsToRaise).toContainEqual({
      participantId: eligible.participantId,
      trialId: 'trial-a4',
      kind: 'eligible',
      test: null,
      criteriaVersion: 3,
    });
    expect(writes.flagsToClose).toEqual([]);
  });

  it('a participant whose verdicts are all as stored, with their flags open, has nothing written', () => {
    const situation = screenedBefore(eligible);
    const { participant, asked } = underScreening(eligible, situation);
    expect(decideScreening(participant, TRIALS)).toBeNull();
    expect(hasScreeningWrites(underScreening(eligible, situation).participant, TRIALS)).toBe(false);
    // Nothing written, nothing worded.
    expect(asked.explanations).toEqual([]);
  });

  it('a participant lacking only an amyloid PET is flagged one test away for A4, the flag naming the test', () => {
    const writes = decide(lackingPet)!;
    expect(writes.flagsToRaise).toContainEqual(
      expect.objectContaining({ trialId: 'trial-a4', kind: 'one_test_away', test: 'amyloid_pet' }),
    );
    expect(writes.determinations.find((d) => d.trialId === 'trial-a4')?.historyReasons).toEqual([
      expect.stringMatching(/^unknown: needs amyloid PET SUVR/),
    ]);
  });

  it('a participant who withdrew recontact consent has their open eligible flag closed with "no consent to be recontacted for trials" and no new flag raised', () => {
    const noRecontact = { ...eligible, consentScopes: ['registry_follow_up'] };
    const writes = decide(noRecontact, screenedBefore(eligible))!;
    expect(writes.flagsToClose).toContainEqual({
      participantId: eligible.participantId,
      trialId: 'trial-a4',
      keep: null,
      reason: 'no consent to be recontacted for trials',
    });
    expect(writes.flagsToRaise).toEqual([]);
  });

  it('a participant no longer eligible has their flag closed naming the deciding criterion, and the history says what failed', () => {
    const writes = decide(tooOld, screenedBefore(eligible))!;
    expect(writes.flagsToClose).toContainEqual(
      expect.objectContaining({ trialId: 'trial-a4', keep: null, reason: 'no longer eligible: age 65-85' }),
    );
    expect(writes.determinations.find((d) => d.trialId === 'trial-a4')).toMatchObject({
      result: 'ineligible',
      historyReasons: ['fails: age 65-85'],
    });
    expect(writes.flagsToRaise).toEqual([]);
  });

  it('a participant whose missing PET comes back in range has the one-test-away flag closed as "now eligible" and an eligible flag raised', () => {
    const writes = decide(eligible, screenedBefore(lackingPet))!;
    expect(writes.flagsToClose).toContainEqual(
      expect.objectContaining({ trialId: 'trial-a4', keep: 'eligible', reason: 'now eligible' }),
    );
    expect(writes.flagsToRaise).toContainEqual(
      expect.objectContaining({ trialId: 'trial-a4', kind: 'eligible' }),
    );
  });

  it('a withdrawn participant has every open flag closed naming their status, and is never flagged again', () => {
    const withdrawn = { ...eligible, status: ParticipantStatus.Withdrawn };
    const writes = decide(withdrawn, screenedBefore(eligible))!;
    expect(writes.flagsToClose).toContainEqual(
      expect.objectContaining({ trialId: 'trial-a4', keep: null, reason: 'participant status is withdrawn' }),
    );
    expect(new Set(writes.flagsToClose.map((flag) => flag.reason))).toEqual(
      new Set(['participant status is withdrawn']),
    );
    expect(writes.flagsToRaise).toEqual([]);
  });

  it('a trial that does not recruit at the participant’s site is neither judged nor written for', () => {
    const { participant, asked } = underScreening(eligible, { notAtSite: ['trial-ahead'] });
    const writes = decideScreening(participant, TRIALS)!;
    expect(asked.verdicts).toEqual(['trial-a4']);
    expect([...writes.determinations, ...writes.flagsToRaise].map((row) => row.trialId)).not.toContain(
      'trial-ahead',
    );
  });

  it('a result stored before explanations were kept is stored again with one, without a history row or a flag change', () => {
    const before = screenedBefore(eligible);
    const stored = { ...before.stored, 'trial-a4': { ...before.stored['trial-a4'], explained: false } };
    const writes = decide(eligible, { ...before, stored })!;
    expect(writes.determinations).toEqual([
      expect.objectContaining({ trialId: 'trial-a4', result: 'eligible', historyReasons: null }),
    ]);
    expect(writes.flagsToClose).toEqual([]);
    expect(writes.flagsToRaise).toEqual([]);
  });

  it('finding who has writes decides as the worded screening does, without wording anything', () => {
    for (const [profile, before] of [
      [eligible, lackingPet],
      [tooOld, eligible],
      [lackingPet, lackingPet],
      [eligible, eligible],
    ]) {
      const situation = screenedBefore(before);
      const { participant, asked } = underScreening(profile, situation);
      expect(hasScreeningWrites(participant, TRIALS)).toBe(decide(profile, situation) !== null);
      expect(asked.explanations).toEqual([]);
      // Each trial's verdict asked once.
      expect(asked.verdicts).toEqual(TRIALS.map((trial) => trial.id));
    }
  });

  it('a batch collects its participants’ writes in one place', () => {
    const batch = emptyWrites();
    expect(decideScreening(underScreening(eligible).participant, TRIALS, batch)).toBe(batch);
    expect(decideScreening(underScreening(tooOld).participant, TRIALS, batch)).toBe(batch);
    const situation = screenedBefore(eligible);
    expect(decideScreening(underScreening(eligible, situation).participant, TRIALS, batch)).toBeNull();
    expect(batch.determinations).toHaveLength(4);
  });

  it('refuses to store a result beside an explanation that reaches another', () => {
    const { participant } = underScreening(eligible);
    const lying = { ...participant, explain: () => judged(tooOld).determination };
    expect(() => decideScreening(lying, TRIALS)).toThrow(
      'screening plan and evaluator disagree for trial trial-a4',
    );
  });
});
