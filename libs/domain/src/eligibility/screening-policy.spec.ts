import { ConsentScope } from '../consent/consent-scope';
import { ParticipantStatus } from '../participants/participant-status';
import type { CalendarDate } from '../schedule/calendar';
import type { Criterion } from './criteria';
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
  ScreeningWrites,
  StoredVerdict,
} from './screening-policy';
import { AS_OF, baseProfile, withObservation } from './test-profiles';
import {
  NEVER_CHANGES_WITH_TIME,
  nextChangeWithTime,
  storedTimeChangeDay,
  TIME_CHANGE_NOT_COMPUTED,
} from './time-sensitivity';
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

/** When time alone could change A4 for the participant, as a cohort run on AS_OF sees it. */
const a4Time = (profile: ParticipantProfile, dataChanged = false) => ({
  asOf: AS_OF,
  dataChanged,
  nextChange: () => nextChangeWithTime(A4, profile, AS_OF),
});

/** What screening decides for A4 about the participant, given what was stored and the flags open. */
const screen = (
  profile: ParticipantProfile,
  { stored, open = [] }: { stored?: StoredVerdict; open?: FlagKind[] } = {},
) =>
  decideTrialScreening(
    approachability(profile),
    CRITERIA_VERSION,
    judged(profile).verdict,
    stored,
    open,
    a4Time(profile),
  );

/** What the last screening stored when it judged the participant as they are now. */
const storedAsNow = (profile: ParticipantProfile, explained = true): StoredVerdict => ({
  criteriaVersion: CRITERIA_VERSION,
  ...judged(profile).verdict,
  explained,
  changesWithTimeOn: storedTimeChangeDay(nextChangeWithTime(A4, profile, AS_OF)),
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

  it('an eligible flag closes as "no longer eligible" naming what is missing when the result becomes undetermined, and a one-test-away flag is raised', () => {
    // The same person, judged when their only amyloid evidence is gone: A4 lacks the PET again.
    expect(screen(lackingPet, { stored: storedAsNow(eligible), open: ['eligible'] })).toEqual({
      determination: 'result',
      closeFlagsBut: { keep: 'one_test_away' },
      raiseFlag: 'one_test_away',
    });
    const { verdict, determination } = judged(lackingPet);
    const reason = flagCloseReason('approachable', lackingPet.status, verdict, () => determination, [
      'eligible',
    ]);
    expect(reason).toMatch(/^no longer eligible: needs amyloid PET/);
  });

  it('a one-test-away flag closes as "no longer one test away" naming both missing tests when a second goes missing', () => {
    const withoutMmse = { ...lackingPet, observations: { ...lackingPet.observations } };
    delete (withoutMmse.observations as Record<string, unknown>)['mmse.total'];
    const { verdict, determination } = judged(withoutMmse);
    expect(verdict).toEqual({ result: 'undetermined', oneTestAway: null });
    const reason = flagCloseReason('approachable', withoutMmse.status, verdict, () => determination, [
      'one_test_away',
    ]);
    expect(reason).toMatch(/^no longer one test away: /);
    expect(reason).toContain('needs amyloid PET');
    expect(reason).toContain('MMSE');
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
    dataChanged: false,
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
    changesWithTime: (index) => nextChangeWithTime(TRIALS[index].criteria, profile, AS_OF),
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
      changesWithTimeOn: storedTimeChangeDay(d.changesWithTimeOn),
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
        replacesStored: false,
      }),
      expect.objectContaining({ trialId: 'trial-ahead', criteriaVersion: 1, replacesStored: false }),
    ]);
    expect(writes.determinations[0].explanation).toEqual([1, AS_OF, expect.any(Array)]);
    expect(writes.flagsToRaise).toContainEqual({
      participantId: eligible.participantId,
      trialId: 'trial-a4',
      kind: 'eligible',
      test: null,
      criteriaVersion: 3,
      // The site day judged on: a declined referral's suppression is compared with it.
      asOf: AS_OF,
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
      replacesStored: true,
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
      expect.objectContaining({
        trialId: 'trial-a4',
        result: 'eligible',
        historyReasons: null,
        replacesStored: true,
      }),
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

// When time alone could change a determination: a trial of ages 65-85 whose MMSE must be 24-30 and at most
// 180 days old, and recontact consent.
const MMSE_WITHIN_180_DAYS: Criterion = {
  type: 'all',
  of: [
    { type: 'age', min: 65, max: 85 },
    { type: 'measure', measure: 'mmse.total', comparator: 'between', min: 24, max: 30, maxAgeDays: 180 },
    { type: 'consent', scope: ConsentScope.RecontactForTrials },
  ],
};
const TIMED_TRIAL = { id: 'trial-timed', criteriaVersion: 1 };

/** What is stored for the timed trial and which flags are open, after the screenings so far. */
interface Screened {
  stored?: StoredVerdict;
  open: FlagKind[];
}

/**
 * One screening of the participant for the timed trial on `asOf` (by a cohort run unless `dataChanged`):
 * what it writes, how often it worked out the time-change day, and the record after it.
 */
function screenedOn(
  asOf: CalendarDate,
  profile: ParticipantProfile,
  before: Screened = { open: [] },
  { dataChanged = false } = {},
) {
  let timeChangesWorkedOut = 0;
  const evaluated = () => evaluateCriteria(MMSE_WITHIN_180_DAYS, profile, { asOf, trialId: TIMED_TRIAL.id });
  const participant: ParticipantUnderScreening = {
    profile,
    asOf,
    dataChanged,
    verdict() {
      const determination = evaluated();
      return { result: determination.result, oneTestAway: determination.oneTestAway?.test ?? null };
    },
    stored(_index, into) {
      if (before.stored) Object.assign(into, before.stored);
      return before.stored !== undefined;
    },
    openFlags: () => before.open,
    explain: evaluated,
    changesWithTime() {
      timeChangesWorkedOut++;
      return nextChangeWithTime(MMSE_WITHIN_180_DAYS, profile, asOf);
    },
  };
  const finds = hasScreeningWrites(participant, [TIMED_TRIAL]);
  timeChangesWorkedOut = 0;
  const writes = decideScreening(participant, [TIMED_TRIAL]);
  expect(finds).toBe(writes !== null);
  return { writes, timeChangesWorkedOut, after: recordAfter(before, writes) };
}

function recordAfter(before: Screened, writes: ScreeningWrites | null): Screened {
  if (writes === null) return before;
  const [written] = writes.determinations;
  const closing = writes.flagsToClose[0];
  const open = closing ? before.open.filter((kind) => kind === closing.keep) : [...before.open];
  for (const flag of writes.flagsToRaise) open.push(flag.kind);
  const stored = written
    ? {
        criteriaVersion: written.criteriaVersion,
        result: written.result,
        oneTestAway: written.oneTestAway,
        explained: true,
        changesWithTimeOn: storedTimeChangeDay(written.changesWithTimeOn),
      }
    : before.stored;
  return { stored, open };
}

describe('screening policy: when time alone could change a determination', () => {
  // 70 years old (born 1956-01-15), MMSE 29 on 2026-05-01, screened first on 2026-06-01.
  const seventy = baseProfile();
  // The same, but 65 on 2026-09-10.
  const sixtyFour = baseProfile({ birthDate: '1961-09-10' });

  it('a participant whose MMSE of 2026-05-01 has a 180-day window is due again on 2026-10-29', () => {
    const first = screenedOn(AS_OF, seventy);
    expect(first.writes!.determinations).toEqual([
      expect.objectContaining({ result: 'eligible', changesWithTimeOn: '2026-10-29' }),
    ]);
    expect(first.after.stored!.changesWithTimeOn).toBe('2026-10-29');
  });

  it('a cohort run the day before her day writes nothing and does not even work the day out again', () => {
    const first = screenedOn(AS_OF, seventy);
    const dayBefore = screenedOn('2026-10-28', seventy, first.after);
    expect(dayBefore.writes).toBeNull();
    expect(dayBefore.timeChangesWorkedOut).toBe(0);
  });

  it('on 2026-10-29 her MMSE no longer counts: she is one test away instead of eligible, and due next on her 86th birthday', () => {
    const first = screenedOn(AS_OF, seventy);
    const onTheDay = screenedOn('2026-10-29', seventy, first.after);
    expect(onTheDay.writes!.determinations).toEqual([
      expect.objectContaining({
        result: 'undetermined',
        changesWithTimeOn: '2042-01-15',
        historyReasons: [expect.stringMatching(/^unknown: /)],
      }),
    ]);
    expect(onTheDay.writes!.flagsToClose).toEqual([
      expect.objectContaining({ trialId: TIMED_TRIAL.id, keep: 'one_test_away' }),
    ]);
    expect(onTheDay.writes!.flagsToRaise).toEqual([
      expect.objectContaining({ trialId: TIMED_TRIAL.id, kind: 'one_test_away' }),
    ]);
  });

  it('a birthday that brings her into the band flags her on that day, not the day before', () => {
    const first = screenedOn(AS_OF, sixtyFour);
    expect(first.writes!.determinations).toEqual([
      expect.objectContaining({ result: 'ineligible', changesWithTimeOn: '2026-09-10' }),
    ]);
    expect(first.writes!.flagsToRaise).toEqual([]);
    const dayBefore = screenedOn('2026-09-09', sixtyFour, first.after);
    expect(dayBefore.writes).toBeNull();
    const birthday = screenedOn('2026-09-10', sixtyFour, first.after);
    expect(birthday.writes!.flagsToRaise).toEqual([
      expect.objectContaining({ trialId: TIMED_TRIAL.id, kind: 'eligible' }),
    ]);
    // Next, her MMSE leaves its window.
    expect(birthday.writes!.determinations).toEqual([
      expect.objectContaining({ result: 'eligible', changesWithTimeOn: '2026-10-29', historyReasons: [] }),
    ]);
  });

  it('a participant whose day comes without changing her result is stored again with her next day, without a history row or a flag', () => {
    // Ineligible for want of recontact consent: turning 65 changes her age criterion, not her result.
    const noRecontact = { ...sixtyFour, consentScopes: ['registry_follow_up'] };
    const first = screenedOn(AS_OF, noRecontact);
    expect(first.after.stored).toMatchObject({ result: 'ineligible', changesWithTimeOn: '2026-09-10' });
    const birthday = screenedOn('2026-09-10', noRecontact, first.after);
    expect(birthday.writes).toEqual({
      determinations: [
        expect.objectContaining({
          result: 'ineligible',
          changesWithTimeOn: '2026-10-29',
          historyReasons: null,
        }),
      ],
      flagsToClose: [],
      flagsToRaise: [],
    });
    // Not judged again every day from then on: the next day's run finds nothing due.
    expect(screenedOn('2026-09-11', noRecontact, birthday.after).timeChangesWorkedOut).toBe(0);
  });

  it('a participant whose new MMSE leaves her result as it was has her day worked out again by her own screening, which a cohort run would not', () => {
    // Ineligible for want of recontact consent and without an MMSE: time changes nothing before her 86th birthday.
    const withoutMmse = {
      ...seventy,
      consentScopes: ['registry_follow_up'],
      observations: Object.fromEntries(
        Object.entries(seventy.observations).filter(([key]) => !key.startsWith('mmse')),
      ),
    };
    const first = screenedOn(AS_OF, withoutMmse);
    expect(first.after.stored!.changesWithTimeOn).toBe('2042-01-15');
    // An MMSE of 2026-06-01 is recorded: still ineligible, but now due when it leaves its window.
    const withMmse = withObservation(withoutMmse, 'mmse.total', 28, '2026-06-01');
    expect(screenedOn(AS_OF, withMmse, first.after).writes).toBeNull();
    const ownScreening = screenedOn(AS_OF, withMmse, first.after, { dataChanged: true });
    expect(ownScreening.writes).toEqual({
      determinations: [
        expect.objectContaining({
          result: 'ineligible',
          changesWithTimeOn: '2026-11-29',
          historyReasons: null,
        }),
      ],
      flagsToClose: [],
      flagsToRaise: [],
    });
  });

  it('a participant whose data changed but whose day did not has nothing written by her own screening', () => {
    const first = screenedOn(AS_OF, seventy);
    const again = screenedOn('2026-07-01', seventy, first.after, { dataChanged: true });
    expect(again.writes).toBeNull();
    expect(again.timeChangesWorkedOut).toBe(1);
  });

  it('a determination stored before the day was kept is due: the next daily run stores its day, as the same result', () => {
    const first = screenedOn(AS_OF, seventy);
    const unknownDay = {
      ...first.after,
      stored: { ...first.after.stored!, changesWithTimeOn: TIME_CHANGE_NOT_COMPUTED },
    };
    const daily = screenedOn('2026-06-02', seventy, unknownDay);
    expect(daily.writes).toEqual({
      determinations: [
        expect.objectContaining({
          result: 'eligible',
          changesWithTimeOn: '2026-10-29',
          historyReasons: null,
        }),
      ],
      flagsToClose: [],
      flagsToRaise: [],
    });
  });

  it('a determination time alone never changes is stored as never due, and her own screening leaves it so', () => {
    // 90 years old, past the band for good, and without a result that could leave its window.
    const ninety = baseProfile({ birthDate: '1936-01-15', observations: {} });
    const first = screenedOn(AS_OF, ninety);
    expect(first.writes!.determinations).toEqual([
      expect.objectContaining({ result: 'ineligible', changesWithTimeOn: null }),
    ]);
    expect(first.after.stored!.changesWithTimeOn).toBe(NEVER_CHANGES_WITH_TIME);
    expect(screenedOn('2030-01-01', ninety, first.after).timeChangesWorkedOut).toBe(0);
    expect(screenedOn('2030-01-01', ninety, first.after, { dataChanged: true }).writes).toBeNull();
  });
});
