import { ConsentScope, ParticipantStatus, ReferralContactState } from '@registry/domain';
import { Environment } from '@registry/config';
import type {
  ConsentWithdrawalEntity,
  ParticipantConsentEntity,
  ReferralCandidate,
} from '@registry/persistence';
import { FixedClock, SiteCalendar } from '@registry/platform';
import {
  admin,
  coordinatorAt,
  exactDisclosure,
  FakeAuditRepository,
  FakeConsentRepository,
  FakeDeterminationRepository,
  FakeFlagRepository,
  FakeParticipantRepository,
  FakeReferralRepository,
  FakeSiteRepository,
  FakeSponsorQueryGate,
  FakeTransactions,
  FakeTrialRepository,
  refusal,
  sponsorOf,
} from '../../../../test/fakes';
import type { SponsorQueryGate } from '../sponsor-counts/sponsor-query-gate';
import { ReferralFunnelReport, ReferralTokens } from '@registry/sponsor-reports';
import { ReferralsService } from './referrals.service';

const TOKYO = 'tky';
const BOSTON = 'bos';
const LILLY = 'org-lilly';
// 23:30 in UTC is already the next day in Tokyo: every date below is Tokyo's.
const NOW = '2026-12-01T23:30:00Z';
const TOKYO_TODAY = '2026-12-02';
const KEY = 'referral-token-key-for-unit-tests-0123456789';

function setUp() {
  const config = Object.assign(new Environment(), {
    REFERRAL_TOKEN_KEY: KEY,
    REFERRAL_DECLINE_SUPPRESSION_DAYS: 90,
  });
  const clock = new FixedClock(NOW);
  const sites = new FakeSiteRepository();
  sites.timeZones.set(TOKYO, 'Asia/Tokyo');
  sites.timeZones.set(BOSTON, 'America/New_York');
  const trials = new FakeTrialRepository();
  const trial = trials.add({ sponsorOrganisationId: LILLY, status: 'recruiting' });
  const other = trials.add({ sponsorOrganisationId: LILLY, status: 'recruiting', title: 'AHEAD' });
  const referrals = new FakeReferralRepository();
  const participants = new FakeParticipantRepository();
  const flags = new FakeFlagRepository();
  const audit = new FakeAuditRepository();
  const gate = new FakeSponsorQueryGate();
  const consents = new FakeConsentRepository();
  const determinations = new FakeDeterminationRepository();
  const service = new ReferralsService(
    new FakeTransactions(),
    referrals,
    trials,
    participants,
    flags,
    sites,
    audit,
    new SiteCalendar(clock),
    clock,
    gate as unknown as SponsorQueryGate,
    new ReferralFunnelReport(
      referrals,
      new SiteCalendar(clock),
      exactDisclosure(),
      new ReferralTokens(config),
    ),
    consents,
    determinations,
    config,
  );
  const request = {
    id: 'request-1',
    trialId: trial.id,
    siteId: TOKYO,
    requestedCount: 5,
    dueOn: '2027-01-31',
    requestedBy: 'sponsor',
    createdAt: new Date(NOW),
    closedAt: null,
    closeReason: null,
  };
  referrals.requests.push(request);
  /** A Tokyo participant in a referral for the trial, in `state`, with open flags for both trials. */
  const referred = (state: ReferralContactState, status = ParticipantStatus.Referred) => {
    const person = participants.add({ siteId: TOKYO, status });
    flags.add({ participantId: person.id, siteId: TOKYO, trialId: trial.id });
    flags.add({ participantId: person.id, siteId: TOKYO, trialId: other.id });
    const contact = referrals.addContact({
      requestId: request.id,
      trialId: trial.id,
      participantId: person.id,
      siteId: TOKYO,
      state,
    });
    return { person, contact };
  };
  /** A Tokyo participant eligible for the trial, listed among the request's candidates, consenting as given. */
  const candidate = (scopes: ConsentScope[], status = ParticipantStatus.Enrolled) => {
    const person = participants.add({ siteId: TOKYO, status });
    consents.consents.push({
      id: `consent-${person.id}`,
      participantId: person.id,
      scopes,
      signedOn: '2025-01-10',
    } as ParticipantConsentEntity);
    referrals.candidateLists.set(person.id, [{ participantId: person.id } as ReferralCandidate]);
    return person;
  };
  return {
    service,
    referrals,
    participants,
    flags,
    audit,
    gate,
    trial,
    other,
    referred,
    consents,
    candidate,
    request,
    determinations,
  };
}

describe('ReferralsService', () => {
  describe('starting a contact', () => {
    it('starts one for a candidate who holds the recontact consent', async () => {
      const setup = setUp();
      const person = setup.candidate([ConsentScope.RegistryFollowUp, ConsentScope.RecontactForTrials]);
      const contact = await setup.service.startContact(coordinatorAt(TOKYO), setup.request.id, person.id);
      expect(contact).toMatchObject({ participantId: person.id, state: ReferralContactState.ToContact });
    });

    it('refuses with 409 once the recontact consent is withdrawn, before the re-screen closes their flags', async () => {
      const setup = setUp();
      const person = setup.candidate([ConsentScope.RegistryFollowUp, ConsentScope.RecontactForTrials]);
      setup.consents.withdrawals.push({
        participantConsentId: `consent-${person.id}`,
        scope: ConsentScope.RecontactForTrials,
        withdrawnOn: '2026-11-30',
      } as ConsentWithdrawalEntity);

      const error = await refusal(
        setup.service.startContact(coordinatorAt(TOKYO), setup.request.id, person.id),
      );

      expect(error).toMatchObject({ kind: 'conflict', code: 'referral.participant_unavailable' });
      expect(setup.referrals.contacts).toHaveLength(0);
    });

    it('refuses with 409 for a participant who has left the registry', async () => {
      const setup = setUp();
      const person = setup.candidate(
        [ConsentScope.RegistryFollowUp, ConsentScope.RecontactForTrials],
        ParticipantStatus.Withdrawn,
      );

      const error = await refusal(
        setup.service.startContact(coordinatorAt(TOKYO), setup.request.id, person.id),
      );

      expect(error).toMatchObject({ kind: 'conflict', code: 'referral.participant_unavailable' });
      expect(setup.referrals.contacts).toHaveLength(0);
    });
  });

  describe('recording what happened with a contact', () => {
    it('refuses a move the state machine does not have, with 409 naming the allowed ones, and writes nothing', async () => {
      const setup = setUp();
      const { contact } = setup.referred(ReferralContactState.ToContact, ParticipantStatus.Enrolled);
      const error = await refusal(
        setup.service.transition(coordinatorAt(TOKYO), contact.id, {
          to: ReferralContactState.PrescreenBooked,
        }),
      );
      expect(error.code).toBe('referral.transition_not_allowed');
      expect(error.meta).toEqual({
        from: 'to_contact',
        to: 'prescreen_booked',
        allowed: ['not_reached', 'declined', 'interested'],
      });
      expect(setup.referrals.contacts[0].state).toBe('to_contact');
      expect(setup.audit.entries).toEqual([]);
    });

    it("answers not found to another site's coordinator", async () => {
      const setup = setUp();
      const { contact } = setup.referred(ReferralContactState.ToContact);
      const error = await refusal(
        setup.service.transition(coordinatorAt(BOSTON), contact.id, { to: ReferralContactState.Interested }),
      );
      expect(error.code).toBe('not_found');
    });

    it('an interested enrolled person becomes referred, the change audited and re-screened', async () => {
      const setup = setUp();
      const { person, contact } = setup.referred(ReferralContactState.ToContact, ParticipantStatus.Enrolled);
      await setup.service.transition(coordinatorAt(TOKYO), contact.id, {
        to: ReferralContactState.Interested,
      });
      expect(setup.participants.rows.get(person.id)).toMatchObject({
        status: 'referred',
        statusEffectiveDate: TOKYO_TODAY,
      });
      expect(setup.audit.only('participant.status_changed').changes).toContainEqual({
        field: 'status',
        old: 'enrolled',
        new: 'referred',
      });
      expect(setup.audit.events.map((event) => event.payload)).toEqual([
        { participantId: person.id, cause: 'status:referred' },
      ]);
      expect(setup.referrals.contacts[0].interestedAt).toEqual(new Date(NOW));
    });

    it("a decline closes the trial's flags only, holds its flags back for the configured days from the site's day, and returns the person to follow-up", async () => {
      const setup = setUp();
      const { person, contact } = setup.referred(ReferralContactState.Interested);
      await setup.service.transition(coordinatorAt(TOKYO), contact.id, {
        to: ReferralContactState.Declined,
        note: 'Moving abroad',
      });
      expect(setup.referrals.contacts[0]).toMatchObject({
        state: 'declined',
        flagsSuppressedUntil: '2027-03-02',
        note: 'Moving abroad',
      });
      expect(setup.flags.flags.map((flag) => [flag.trialId, flag.closeReason])).toEqual([
        [setup.trial.id, 'declined a referral for this trial'],
        [setup.other.id, null],
      ]);
      expect(setup.participants.rows.get(person.id)!.status).toBe('enrolled');
      // On the day the hold ends the daily re-screen judges them again, and flags them if still eligible.
      expect(setup.determinations.judgedAgainBy).toEqual([
        { participantId: person.id, trialId: setup.trial.id, day: '2027-03-02' },
      ]);
      expect(setup.audit.only('referral.contact_transitioned')).toMatchObject({
        reason: 'Moving abroad',
        siteId: TOKYO,
      });
    });

    it('randomisation commits the person to the trial, closes every open flag of theirs, and re-screens them after commit', async () => {
      const setup = setUp();
      const { person, contact } = setup.referred(ReferralContactState.PrescreenBooked);
      await setup.service.transition(coordinatorAt(TOKYO), contact.id, {
        to: ReferralContactState.Randomised,
      });
      expect(setup.referrals.commitments).toEqual([
        {
          participantId: person.id,
          trialId: setup.trial.id,
          referralContactId: contact.id,
          committedOn: TOKYO_TODAY,
        },
      ]);
      expect(setup.flags.flags.map((flag) => flag.closeReason)).toEqual([
        'randomised into this trial',
        'randomised into another trial',
      ]);
      expect(setup.participants.rows.get(person.id)!.status).toBe('in_trial');
      // Through the outbox (recordChange), never a queue call inside the transaction.
      expect(setup.audit.events.map((event) => event.payload)).toEqual([
        { participantId: person.id, cause: 'referral.randomised' },
        { participantId: person.id, cause: 'status:in_trial' },
      ]);
      expect(setup.audit.only('referral.contact_transitioned').changes).toContainEqual({
        field: 'openFlagsClosed',
        old: null,
        new: 2,
      });
    });

    it('a screen failure needs its coded reason', async () => {
      const setup = setUp();
      const { contact } = setup.referred(ReferralContactState.PrescreenBooked);
      const error = await refusal(
        setup.service.transition(coordinatorAt(TOKYO), contact.id, { to: ReferralContactState.ScreenFailed }),
      );
      expect(error.details).toEqual([
        expect.objectContaining({ field: 'screenFailReason', constraint: 'required' }),
      ]);
    });
  });

  describe("the sponsor's funnel", () => {
    const row = (
      participantId: string,
      state: ReferralContactState,
      scopes: ConsentScope[],
      status = ParticipantStatus.Referred,
    ) => ({
      participantId,
      siteCode: 'TKY',
      siteTimeZone: 'Asia/Tokyo',
      state,
      wasInterested: state !== ReferralContactState.ToContact,
      wasBooked: state === ReferralContactState.Randomised,
      screenFailReason: null,
      consents: [{ signedOn: '2024-01-01', scopes, withdrawnScopes: [] }],
      participantStatus: status,
    });
    const sharing = [ConsentScope.RecontactForTrials, ConsentScope.SponsorDataSharing];

    it('counts only people sharing with sponsors, tokens only those prescreened, through the gate and the audit trail', async () => {
      const setup = setUp();
      setup.referrals.sponsorRows = [
        ...Array.from({ length: 6 }, (_, i) =>
          row(`TKY-00000${i}-A`, ReferralContactState.Randomised, sharing),
        ),
        row('TKY-000010-A', ReferralContactState.Interested, sharing),
        // Not counted: no sharing consent; withdrawn from the registry.
        row('TKY-000011-A', ReferralContactState.Randomised, [ConsentScope.RecontactForTrials]),
        row('TKY-000012-A', ReferralContactState.Randomised, sharing, ParticipantStatus.Withdrawn),
      ];
      const funnel = await setup.service.funnel(sponsorOf(LILLY), setup.trial.id);
      expect(funnel.counts['overall.referred']).toBe(7);
      expect(funnel.counts['overall.stillInterested']).toBe('<5');
      // interested (7) = still interested (1) + booked (6): with the 1 hidden, 6 would give it away.
      expect(funnel.counts['overall.randomised']).toBe('suppressed');
      expect(funnel.tokens).toHaveLength(6);
      const tokens = new ReferralTokens(Object.assign(new Environment(), { REFERRAL_TOKEN_KEY: KEY }));
      expect(funnel.tokens.map((t) => t.token)).toContain(tokens.token('TKY-000000-A', setup.trial.id));
      expect(funnel.tokens.map((t) => t.token)).not.toContain(tokens.token('TKY-000011-A', setup.trial.id));
      expect(setup.gate.calls).toEqual([
        expect.objectContaining({ admit: 'query', kind: 'referral_funnel', trialId: setup.trial.id }),
      ]);
      expect(setup.audit.only('sponsor_query.referral_funnel').changes).toEqual([
        { field: 'tokensGiven', old: null, new: 6 },
      ]);
    });

    it("answers not found for another organisation's trial, and audits the refusal", async () => {
      const setup = setUp();
      const error = await refusal(setup.service.funnel(sponsorOf('org-other'), setup.trial.id));
      expect(error.code).toBe('not_found');
      expect(setup.audit.only('sponsor_query.refused').changes).toContainEqual({
        field: 'kind',
        old: null,
        new: 'referral_funnel',
      });
      expect(setup.gate.calls).toEqual([]);
    });
  });

  it('reports recruitment speed per site on each site’s calendar, with n', async () => {
    const setup = setUp();
    setup.referrals.randomised = [
      // Flagged at 20:00 UTC on 1 Nov: already 2 Nov in Tokyo.
      {
        siteId: TOKYO,
        siteCode: 'TKY',
        siteTimeZone: 'Asia/Tokyo',
        eligibleSince: new Date('2026-11-01T20:00:00Z'),
        randomisedOn: '2026-11-12',
      },
      {
        siteId: TOKYO,
        siteCode: 'TKY',
        siteTimeZone: 'Asia/Tokyo',
        eligibleSince: new Date('2026-11-01T00:00:00Z'),
        randomisedOn: '2026-11-21',
      },
    ];
    const report = await setup.service.recruitmentSpeed();
    expect(report.sites).toEqual([
      { siteCode: 'TKY', speed: { n: 2, median: 15, firstQuartile: 12.5, thirdQuartile: 17.5 } },
    ]);
    expect(admin().role).toBe('admin');
  });
});
