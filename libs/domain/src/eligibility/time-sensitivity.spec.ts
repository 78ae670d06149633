import { AmyloidModality, AmyloidStatus } from '../biomarkers/amyloid-status';
import { addDays, dayTurning } from '../schedule/calendar';
import { judgeCriteriaLeaves, ParticipantProfile } from './evaluate';
import { generatedProfiles, HAND_MADE } from './generated-profiles';
import { AS_OF, baseProfile } from './test-profiles';
import { nextChangeWithTime } from './time-sensitivity';
import { TRIAL_TEMPLATES } from './trial-templates';

const template = (key: string) => TRIAL_TEMPLATES.find((t) => t.key === key)!.criteria.criteria;
const A4 = template('a4');

describe('the first day a determination could change with time alone', () => {
  it('is the 65th birthday for a 64-year-old screened for A4 (ages 65-85)', () => {
    const profile = baseProfile({ birthDate: '1961-09-10' });
    expect(nextChangeWithTime({ type: 'age', min: 65, max: 85 }, profile, AS_OF)).toBe('2026-09-10');
  });

  it('is the 86th birthday, when they leave the band, for a 70-year-old', () => {
    const profile = baseProfile({ birthDate: '1956-01-15' });
    expect(nextChangeWithTime({ type: 'age', min: 65, max: 85 }, profile, AS_OF)).toBe('2042-01-15');
  });

  it('is never, for the age band, for someone already older than its upper bound', () => {
    const profile = baseProfile({ birthDate: '1930-01-15' });
    expect(nextChangeWithTime({ type: 'age', min: 65, max: 85 }, profile, AS_OF)).toBeNull();
  });

  it('reads a fractional age bound of an older criteria document as the evaluator does: 60 for "59.5 or older", 75 for "74.5 or younger"', () => {
    // 59 and 74 on AS_OF (2026-06-01); 60 and 75 on 10 September.
    const turning60 = baseProfile({ birthDate: '1966-09-10' });
    expect(nextChangeWithTime({ type: 'age', min: 59.5 }, turning60, AS_OF)).toBe('2026-09-10');
    const turning75 = baseProfile({ birthDate: '1951-09-10' });
    expect(nextChangeWithTime({ type: 'age', max: 74.5 }, turning75, AS_OF)).toBe('2026-09-10');
  });

  it('is 1 March for someone born on 29 February who turns 65 in a year without one', () => {
    expect(dayTurning('1964-02-29', 65)).toBe('2029-03-01');
    expect(dayTurning('1964-02-29', 64)).toBe('2028-02-29');
    const profile = baseProfile({ birthDate: '1964-02-29' });
    expect(nextChangeWithTime({ type: 'age', min: 65 }, profile, AS_OF)).toBe('2029-03-01');
  });

  it('is the day after an MMSE of 2026-05-01 leaves a 180-day window', () => {
    const criteria = {
      type: 'measure' as const,
      measure: 'mmse.total' as const,
      comparator: 'between' as const,
      min: 24,
      max: 30,
      maxAgeDays: 180,
    };
    expect(nextChangeWithTime(criteria, baseProfile(), AS_OF)).toBe(addDays('2026-05-01', 181));
  });

  it('is the day the newest amyloid result leaves its window when the latest result decides; when any modality does, the day none in the band is left', () => {
    const profile = baseProfile({
      amyloid: {
        [AmyloidModality.Pet]: { status: AmyloidStatus.Positive, date: '2026-01-10' },
        [AmyloidModality.Csf]: { status: AmyloidStatus.Positive, date: '2025-12-01' },
      },
    });
    const latest = {
      type: 'amyloid' as const,
      in: [AmyloidStatus.Positive],
      modalities: [AmyloidModality.Pet, AmyloidModality.Csf],
      maxAgeDays: 365,
    };
    expect(nextChangeWithTime(latest, profile, AS_OF)).toBe(addDays('2026-01-10', 366));
    // The CSF result leaves its window first, but the PET result still passes until it leaves its own.
    expect(nextChangeWithTime({ ...latest, decidedBy: 'any_modality' }, profile, AS_OF)).toBe(
      addDays('2026-01-10', 366),
    );
  });

  it('is never for a determination that rests on no age band and no windowed result', () => {
    const profile = baseProfile();
    expect(nextChangeWithTime({ type: 'status', in: [profile.status] }, profile, AS_OF)).toBeNull();
  });

  it('is the earliest of its leaves: for A4, whichever comes first of the birthday and the expiring results', () => {
    const profile = baseProfile({ birthDate: '1961-07-01' }); // 65 on 2026-07-01
    expect(nextChangeWithTime(A4, profile, AS_OF)).toBe('2026-07-01');
  });

  describe('compared with the evaluator on generated participants (every template and hand-made criteria)', () => {
    const criteriaSets = [...TRIAL_TEMPLATES.map((t) => t.criteria.criteria), ...HAND_MADE];
    const profiles: ParticipantProfile[] = generatedProfiles(150, 20261202);
    const judgedOn = (criteria: (typeof criteriaSets)[number], profile: ParticipantProfile, day: string) =>
      judgeCriteriaLeaves(criteria, profile, { asOf: day, trialId: 'trial-x' }).map((leaf) => leaf.outcome);

    it('no leaf judgement changes on any day before the day given (every 45th day for 3 years, and its eve)', () => {
      let checked = 0;
      for (const criteria of criteriaSets) {
        for (const profile of profiles) {
          const today = judgedOn(criteria, profile, AS_OF);
          const change = nextChangeWithTime(criteria, profile, AS_OF);
          const last = change === null ? addDays(AS_OF, 3 * 365) : addDays(change, -1);
          for (let day = addDays(AS_OF, 1); day < last; day = addDays(day, 45)) {
            expect(judgedOn(criteria, profile, day)).toEqual(today);
            checked++;
          }
          if (last > AS_OF) expect(judgedOn(criteria, profile, last)).toEqual(today);
        }
      }
      expect(checked).toBeGreaterThan(5_000);
    });

    it('on the day given, some leaf does change (the day is not earlier than it needs to be)', () => {
      let changes = 0;
      for (const criteria of criteriaSets) {
        for (const profile of profiles) {
          const change = nextChangeWithTime(criteria, profile, AS_OF);
          if (change === null) continue;
          expect(judgedOn(criteria, profile, change)).not.toEqual(
            judgedOn(criteria, profile, addDays(change, -1)),
          );
          changes++;
        }
      }
      expect(changes).toBeGreaterThan(250);
    });
  });
});
