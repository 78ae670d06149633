import { ConsentScope } from '../consent/consent-scope';
import { publishCounts } from '../disclosure/disclosure-control';
import { ParticipantStatus as S } from '../participants/participant-status';
import {
  allowedContactTransitions,
  contactTransitionProblem,
  flagSuppressed,
  flagsSuppressedUntil,
  isOpenContactState,
  referralsEndWithConsent,
  referralsEndWithStatus,
  participantStatusesFor,
  participantStatusesWhenReferralClosed,
  ReferralContactState as C,
  trialsExcludeEachOther,
} from './referral-contact';
import { FunnelContact, referralFunnelTable } from './referral-funnel';
import { recruitmentSpeed } from './recruitment-speed';
import { allowedTrialTransitions, canTransitionTrial, TrialStatus as T } from './trial-status';

describe('a referral contact', () => {
  it('is contacted, then not reached, declined or interested; nothing jumps to randomised', () => {
    expect(allowedContactTransitions(C.ToContact)).toEqual([C.NotReached, C.Declined, C.Interested]);
    expect(contactTransitionProblem(C.ToContact, C.Randomised, null)).toEqual({
      kind: 'not_allowed',
      allowed: [C.NotReached, C.Declined, C.Interested],
    });
    expect(contactTransitionProblem(C.ToContact, C.Interested, null)).toBeNull();
  });

  it('an interested person is booked for the prescreen, which ends screen-failed (with its reason) or randomised', () => {
    expect(contactTransitionProblem(C.Interested, C.PrescreenBooked, null)).toBeNull();
    expect(contactTransitionProblem(C.PrescreenBooked, C.Randomised, null)).toBeNull();
    expect(contactTransitionProblem(C.PrescreenBooked, C.ScreenFailed, null)).toEqual({
      kind: 'screen_fail_reason_required',
    });
    expect(contactTransitionProblem(C.PrescreenBooked, C.ScreenFailed, 'amyloid_not_eligible')).toBeNull();
    expect(contactTransitionProblem(C.Interested, C.Declined, 'other')).toEqual({
      kind: 'screen_fail_reason_unexpected',
    });
  });

  it('a person may still decline after showing interest or booking; final states lead nowhere', () => {
    expect(contactTransitionProblem(C.Interested, C.Declined, null)).toBeNull();
    expect(contactTransitionProblem(C.PrescreenBooked, C.Declined, null)).toBeNull();
    for (const final of [C.NotReached, C.Declined, C.ScreenFailed, C.Randomised]) {
      expect(allowedContactTransitions(final)).toEqual([]);
      expect(isOpenContactState(final)).toBe(false);
    }
    expect([C.ToContact, C.Interested, C.PrescreenBooked].every(isOpenContactState)).toBe(true);
  });

  it('an interested enrolled person becomes referred; randomised, in the trial; a referral that ends otherwise returns them to follow-up', () => {
    expect(participantStatusesFor(C.Interested, S.Enrolled)).toEqual([S.Referred]);
    expect(participantStatusesFor(C.Randomised, S.Referred)).toEqual([S.InTrial]);
    expect(participantStatusesFor(C.Randomised, S.Enrolled)).toEqual([S.Referred, S.InTrial]);
    expect(participantStatusesFor(C.ScreenFailed, S.Referred)).toEqual([S.Enrolled]);
    expect(participantStatusesFor(C.Declined, S.Referred)).toEqual([S.Enrolled]);
    // Someone who progressed meanwhile keeps that status when they decline.
    expect(participantStatusesFor(C.Declined, S.Progressed)).toEqual([]);
  });

  it('a referred person whose referral is closed from outside it (trial closed, consent withdrawn) returns to follow-up', () => {
    expect(participantStatusesWhenReferralClosed(S.Referred)).toEqual([S.Enrolled]);
    expect(participantStatusesWhenReferralClosed(S.Enrolled)).toEqual([]);
    expect(participantStatusesWhenReferralClosed(S.Progressed)).toEqual([]);
  });

  it('declining a trial holds back its flags for the period (default 180 days), from the site day of the decline', () => {
    const until = flagsSuppressedUntil('2026-03-01', 180);
    expect(until).toBe('2026-08-28');
    expect(flagSuppressed(until, '2026-08-27')).toBe(true);
    expect(flagSuppressed(until, '2026-08-28')).toBe(false);
    expect(flagSuppressed(null, '2026-03-02')).toBe(false);
    expect(() => flagsSuppressedUntil('2026-03-01', -1)).toThrow();
  });

  it('a referral ends at once when the person withdraws their recontact consent, withdraws or dies', () => {
    const recontact = new Set([ConsentScope.RegistryFollowUp, ConsentScope.RecontactForTrials]);
    expect(referralsEndWithConsent(recontact)).toBeNull();
    expect(referralsEndWithConsent(new Set([ConsentScope.RegistryFollowUp]))).toBe(
      'consent to be recontacted for trials withdrawn',
    );
    expect(referralsEndWithStatus(S.Referred)).toBeNull();
    expect(referralsEndWithStatus(S.Withdrawn)).toBe('participant status is withdrawn');
    expect(referralsEndWithStatus(S.Deceased)).toBe('participant status is deceased');
  });

  it('two distinct prevention trials exclude each other; a trial does not exclude itself', () => {
    expect(trialsExcludeEachOther('a4', 'ahead-a45')).toBe(true);
    expect(trialsExcludeEachOther('a4', 'a4')).toBe(false);
  });
});

describe('a trial', () => {
  it('is drafted, recruits, may pause and resume, and once closed stays closed', () => {
    expect(canTransitionTrial(T.Draft, T.Recruiting)).toBe(true);
    expect(canTransitionTrial(T.Recruiting, T.Paused)).toBe(true);
    expect(canTransitionTrial(T.Paused, T.Recruiting)).toBe(true);
    expect(canTransitionTrial(T.Recruiting, T.Closed)).toBe(true);
    expect(canTransitionTrial(T.Draft, T.Paused)).toBe(false);
    expect(canTransitionTrial(T.Recruiting, T.Draft)).toBe(false);
    expect(allowedTrialTransitions(T.Closed)).toEqual([]);
  });
});

describe('the referral funnel a sponsor sees', () => {
  const contact = (
    siteCode: string,
    state: C,
    wasInterested = false,
    wasBooked = false,
    screenFailReason: FunnelContact['screenFailReason'] = null,
  ): FunnelContact => ({ siteCode, state, wasInterested, wasBooked, screenFailReason });

  it('counts each stage a referral reached, per site and overall', () => {
    const table = referralFunnelTable(
      [
        contact('TKY', C.ToContact),
        contact('TKY', C.NotReached),
        contact('TKY', C.Declined, true),
        contact('TKY', C.Randomised, true, true),
        contact('OSA', C.ScreenFailed, true, true, 'mri_exclusion'),
      ],
      ['TKY', 'OSA', 'BOS'],
    );
    expect(table.counts['site.TKY.referred']).toBe(4);
    expect(table.counts['site.TKY.contacted']).toBe(3);
    expect(table.counts['site.TKY.interested']).toBe(2);
    expect(table.counts['site.TKY.declinedBeforeBooking']).toBe(1);
    expect(table.counts['site.TKY.randomised']).toBe(1);
    expect(table.counts['site.OSA.screenFailedBy.mri_exclusion']).toBe(1);
    expect(table.counts['site.BOS.referred']).toBe(0);
    expect(table.counts['overall.booked']).toBe(2);
    expect(table.counts['overall.screenFailed']).toBe(1);
    // Every relation holds on the raw counts.
    for (const { total, parts } of table.relations)
      expect([total, parts.reduce((sum, part) => sum + table.counts[part], 0)]).toEqual([
        total,
        table.counts[total],
      ]);
  });

  it('hides every small count, and one more beside it where it could be recomputed', () => {
    const many = Array.from({ length: 40 }, () => contact('TKY', C.ToContact));
    const table = referralFunnelTable([...many, contact('TKY', C.Randomised, true, true)], ['TKY']);
    const published = publishCounts(table, { minimumCellSize: 11, roundTo: 5, noiseBound: 3 }, 'seed');
    expect(published['site.TKY.randomised']).toBe('<11');
    expect(published['overall.randomised']).toBe('<11');
    // referred = toContact + contacted: with contacted hidden, toContact must be hidden too.
    expect(published['site.TKY.contacted']).toBe('<11');
    expect(typeof published['site.TKY.toContact']).toBe('string');
    expect(published['site.TKY.referred']).toEqual(expect.any(Number));
  });
});

describe("the registry's recruitment speed", () => {
  it('is the median and quartiles of days from first eligible flag to randomisation, with n', () => {
    expect(
      recruitmentSpeed([
        { flaggedOn: '2026-01-01', randomisedOn: '2026-01-11' },
        { flaggedOn: '2026-01-01', randomisedOn: '2026-01-21' },
        { flaggedOn: '2026-01-01', randomisedOn: '2026-01-31' },
        { flaggedOn: '2026-01-01', randomisedOn: '2026-02-10' },
      ]),
    ).toEqual({ n: 4, median: 25, firstQuartile: 17.5, thirdQuartile: 32.5 });
    expect(recruitmentSpeed([])).toEqual({ n: 0, median: null, firstQuartile: null, thirdQuartile: null });
  });
});
