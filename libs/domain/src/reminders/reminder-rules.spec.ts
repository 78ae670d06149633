import { AmyloidModality, AmyloidStatus } from '../biomarkers/amyloid-status';
import { ConsentScope } from '../consent/consent-scope';
import { AS_OF, baseProfile, withAmyloid, withObservation } from '../eligibility/test-profiles';
import { TRIAL_TEMPLATES } from '../eligibility/trial-templates';
import { ParticipantStatus } from '../participants/participant-status';
import { addDays } from '../schedule/calendar';
import {
  expiringResults,
  flagIsNews,
  retestHeldBackByDecline,
  isMissedOn,
  noReminderReason,
  NotificationKind,
  visitRemindersDue,
  VisitForReminders,
} from './reminder-rules';

const K = NotificationKind;
const A4 = TRIAL_TEMPLATES.find((t) => t.key === 'a4')!.criteria.criteria;

/** A month-12 visit: target 2027-01-04, window 2026-12-07 to 2027-02-01 (28 days either side). */
const M012: VisitForReminders = {
  windowStart: '2026-12-07',
  windowEnd: '2027-02-01',
  completed: false,
  cancelled: false,
  missed: false,
};
const kindsOn = (day: string, visit = M012) => visitRemindersDue(visit, day).map((due) => due.kind);

describe('visit window reminders', () => {
  it('says "window opens soon" from 14 days before the window opens, not 15', () => {
    expect(kindsOn('2026-11-22')).toEqual([]);
    expect(kindsOn('2026-11-23')).toEqual([K.VisitWindowOpensSoon]);
    expect(kindsOn('2026-12-06')).toEqual([K.VisitWindowOpensSoon]);
  });

  it('says "window open" from its first day to its last, and "closes soon" in its last 7 days but not the day it opens', () => {
    expect(kindsOn('2026-12-07')).toEqual([K.VisitWindowOpen]);
    expect(kindsOn('2027-01-24')).toEqual([K.VisitWindowOpen]);
    expect(kindsOn('2027-01-25')).toEqual([K.VisitWindowOpen, K.VisitWindowClosesSoon]);
    expect(kindsOn('2027-02-01')).toEqual([K.VisitWindowOpen, K.VisitWindowClosesSoon]);
    const shortWindow = { ...M012, windowEnd: '2026-12-10' };
    expect(kindsOn('2026-12-07', shortWindow)).toEqual([K.VisitWindowOpen]);
    expect(kindsOn('2026-12-08', shortWindow)).toEqual([K.VisitWindowOpen, K.VisitWindowClosesSoon]);
  });

  it('names the day each reminder is about: the first day of the window, or its last', () => {
    expect(visitRemindersDue(M012, '2027-01-30')).toEqual([
      { kind: K.VisitWindowOpen, aboutDay: '2026-12-07' },
      { kind: K.VisitWindowClosesSoon, aboutDay: '2027-02-01' },
    ]);
  });

  it('calls a visit missed from the day after its window closed without a visit, not on its last day', () => {
    expect(isMissedOn(M012, '2027-02-01')).toBe(false);
    expect(isMissedOn(M012, '2027-02-02')).toBe(true);
    expect(visitRemindersDue(M012, '2027-02-02')).toEqual([{ kind: K.VisitMissed, aboutDay: '2027-02-01' }]);
  });

  it('announces a missed visit up to 7 days after its window closed; one found missed later is marked, not announced', () => {
    expect(kindsOn('2027-02-08')).toEqual([K.VisitMissed]);
    expect(kindsOn('2027-02-09')).toEqual([]);
    expect(isMissedOn(M012, '2027-02-09')).toBe(true);
  });

  it('sends nothing about a visit done or cancelled, and never calls it missed', () => {
    for (const visit of [
      { ...M012, completed: true },
      { ...M012, cancelled: true },
    ]) {
      for (const day of ['2026-11-30', '2026-12-07', '2027-01-30', '2027-02-02'])
        expect(kindsOn(day, visit)).toEqual([]);
      expect(isMissedOn(visit, '2027-03-01')).toBe(false);
    }
  });

  it('takes other lead times from the settings', () => {
    const settings = { opensWithinDays: 3, closesWithinDays: 1, freshnessWithinDays: 30 };
    expect(visitRemindersDue(M012, '2026-12-03', settings)).toEqual([]);
    expect(visitRemindersDue(M012, '2026-12-04', settings).map((d) => d.kind)).toEqual([
      K.VisitWindowOpensSoon,
    ]);
    expect(visitRemindersDue(M012, '2027-01-31', settings).map((d) => d.kind)).toEqual([
      K.VisitWindowOpen,
      K.VisitWindowClosesSoon,
    ]);
  });
});

describe('re-test reminders after a declined referral', () => {
  it('someone who declined the trial is not asked to re-test for it while the decline holds its flags back', () => {
    expect(retestHeldBackByDecline('2027-03-02', '2026-12-02')).toBe(true);
    expect(retestHeldBackByDecline('2027-03-02', '2027-03-01')).toBe(true);
  });

  it('from the day the hold ends, or without a decline, the reminder goes out as usual', () => {
    expect(retestHeldBackByDecline('2027-03-02', '2027-03-02')).toBe(false);
    expect(retestHeldBackByDecline(null, '2026-12-02')).toBe(false);
  });
});

describe('new flags in the inbox', () => {
  it('a flag raised up to a week ago is announced to the site’s coordinators', () => {
    expect(flagIsNews('2026-12-02', '2026-12-02')).toBe(true);
    expect(flagIsNews('2026-11-25', '2026-12-02')).toBe(true);
  });

  it('a flag older than a week, found on the job’s first run or after an outage, is not announced', () => {
    expect(flagIsNews('2026-11-24', '2026-12-02')).toBe(false);
    expect(flagIsNews('2024-03-01', '2026-12-02')).toBe(false);
  });
});

describe('who gets no reminder', () => {
  const enrolled = {
    status: ParticipantStatus.Enrolled,
    consentScopes: [ConsentScope.RegistryFollowUp, ConsentScope.RecontactForTrials],
  };

  it('nobody withdrawn, deceased or in a trial', () => {
    for (const status of [ParticipantStatus.Withdrawn, ParticipantStatus.Deceased, ParticipantStatus.InTrial])
      for (const purpose of ['follow_up_visit', 'retest_for_trial', 'trial_flag'] as const)
        expect(noReminderReason({ ...enrolled, status }, purpose)).toBe(`status ${status}`);
    expect(noReminderReason(enrolled, 'follow_up_visit')).toBeNull();
  });

  it('no visit reminder once registry follow-up consent is withdrawn', () => {
    const withdrawn = { ...enrolled, consentScopes: [ConsentScope.RecontactForTrials] };
    expect(noReminderReason(withdrawn, 'follow_up_visit')).toBe('consent scope registry_follow_up not held');
  });

  it('no re-test reminder without consent to be recontacted for trials, nor a PET re-test without biomarker-sampling consent', () => {
    const noRecontact = { ...enrolled, consentScopes: [ConsentScope.RegistryFollowUp] };
    expect(noReminderReason(noRecontact, 'retest_for_trial', 'mmse')).toBe(
      'consent scope recontact_for_trials not held',
    );
    expect(noReminderReason(enrolled, 'retest_for_trial', 'mmse')).toBeNull();
    expect(noReminderReason(enrolled, 'retest_for_trial', 'amyloid_pet')).toBe(
      'consent scope biomarker_sampling not held',
    );
    const sampling = {
      ...enrolled,
      consentScopes: [...enrolled.consentScopes, ConsentScope.BiomarkerSampling],
    };
    expect(noReminderReason(sampling, 'retest_for_trial', 'amyloid_pet')).toBeNull();
  });
});

describe('biomarker freshness: re-test to stay trial-ready', () => {
  // Eligible for A4 on 1 June 2026: cognition and MRI of 1 May 2026 (90-day windows), a florbetapir PET of
  // 1 July 2025 with SUVR 1.30 (365-day window: counts up to 1 July 2026, no longer on 2 July).
  const eligibleForA4 = withObservation(baseProfile(), 'amyloid_pet.suvr', 1.3, '2025-07-01', 'florbetapir');

  it('reminds 30 days before the PET stops counting, naming the PET and its last day; not 31 days before', () => {
    expect(expiringResults(A4, eligibleForA4, AS_OF)).toEqual([]);
    expect(expiringResults(A4, eligibleForA4, '2026-06-02')).toEqual([
      { test: 'amyloid_pet', resultDate: '2025-07-01', expiresOn: '2026-07-01', readiness: 'eligible' },
    ]);
  });

  it('names the CDR, cognition and MRI too once they are within 30 days of leaving their 90-day windows', () => {
    const asOf = '2026-07-01';
    const tests = expiringResults(A4, eligibleForA4, asOf).map((r) => [r.test, r.expiresOn]);
    expect(tests).toEqual(
      expect.arrayContaining([
        ['amyloid_pet', '2026-07-01'],
        ['cdr', '2026-07-30'],
        ['mmse', '2026-07-30'],
        ['logical_memory', '2026-07-30'],
        ['mri', '2026-07-30'],
      ]),
    );
    expect(tests).toHaveLength(5);
  });

  it('names a result whose expiry takes a participant from one test away to two', () => {
    // No PET: one test away (the PET). The MMSE of 1 May 2026 leaves its window on 30 July.
    const oneTestAway = baseProfile();
    const expiring = expiringResults(A4, oneTestAway, '2026-07-05');
    expect(new Set(expiring.map((r) => r.readiness))).toEqual(new Set(['one_test_away']));
    expect(expiring.map((r) => r.test).sort()).toEqual(['cdr', 'logical_memory', 'mmse', 'mri']);
    expect(new Set(expiring.map((r) => r.expiresOn))).toEqual(new Set(['2026-07-30']));
  });

  it('says nothing to someone not eligible and not one test away (a florbetapir SUVR of 1.00)', () => {
    const negative = withObservation(baseProfile(), 'amyloid_pet.suvr', 1.0, '2025-07-01', 'florbetapir');
    expect(expiringResults(A4, negative, '2026-06-15')).toEqual([]);
  });

  it('says nothing of a result whose expiry changes nothing: any positive amyloid by PET or CSF, with a newer CSF', () => {
    const anyModality = {
      type: 'amyloid' as const,
      in: [AmyloidStatus.Positive],
      modalities: [AmyloidModality.Pet, AmyloidModality.Csf],
      maxAgeDays: 365,
      decidedBy: 'any_modality' as const,
    };
    let profile = withAmyloid(baseProfile(), AmyloidModality.Pet, AmyloidStatus.Positive, '2025-07-01');
    profile = withAmyloid(profile, AmyloidModality.Csf, AmyloidStatus.Positive, '2026-03-01');
    expect(expiringResults(anyModality, profile, '2026-06-15')).toEqual([]);
    // Without the CSF, the PET decides, and it is named.
    const petOnly = withAmyloid(baseProfile(), AmyloidModality.Pet, AmyloidStatus.Positive, '2025-07-01');
    expect(expiringResults(anyModality, petOnly, '2026-06-15')).toEqual([
      { test: 'amyloid_pet', resultDate: '2025-07-01', expiresOn: '2026-07-01', readiness: 'eligible' },
    ]);
  });

  it('uses the horizon it is given', () => {
    expect(expiringResults(A4, eligibleForA4, addDays('2026-07-02', -10), 9)).toEqual([]);
    expect(expiringResults(A4, eligibleForA4, addDays('2026-07-02', -9), 9)).toHaveLength(1);
  });
});
