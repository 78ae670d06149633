import { ConsentScope, ParticipantStatus, ReferralContactState } from '@registry/domain';
import { EventTopic } from '@registry/jobs';
import {
  BOSTON,
  coordinatorAt,
  FakeConsentRepository,
  FakeScheduleRepository,
  FakeTransactions,
  refusal,
  TOKYO,
  twoSites,
  FakeReferralRepository,
} from '../../../../test/fakes';
import { ConsentsService } from './consents.service';

const ALL_SCOPES = [
  ConsentScope.RegistryFollowUp,
  ConsentScope.BiomarkerSampling,
  ConsentScope.RecontactForTrials,
];

function setUp(now = '2026-12-01T16:00:00Z') {
  const { participants, audit, clock, access, siteToday, participant } = twoSites(now);
  const consents = new FakeConsentRepository();
  const schedule = new FakeScheduleRepository();
  const referrals = new FakeReferralRepository();
  const service = new ConsentsService(
    new FakeTransactions(),
    consents,
    schedule,
    audit,
    access,
    siteToday,
    clock,
    referrals,
    participants,
  );
  const document = {
    id: 'document-1',
    title: 'Participant consent',
    version: '2.1',
    language: 'en',
    effectiveDate: '2026-01-01',
    scopes: ALL_SCOPES,
    createdAt: new Date(0),
  };
  consents.documents.push(document);
  return { service, consents, schedule, audit, participants, participant, document, referrals };
}

describe('ConsentsService', () => {
  describe('recording a signed consent', () => {
    it('stores it, audits who recorded which document and scopes, and has the participant screened again', async () => {
      const { service, consents, audit, participant, participants } = setUp();
      const consent = await service.record(coordinatorAt(TOKYO), participant.id, {
        consentDocumentId: 'document-1',
        signedOn: '2026-12-01',
        scopes: [ConsentScope.RegistryFollowUp, ConsentScope.RecontactForTrials],
      });

      expect(consents.consents).toEqual([consent]);
      expect(participants.locked).toEqual([participant.id]);
      const entry = audit.only('consent.recorded');
      expect(entry).toMatchObject({ entityId: consent.id, siteId: TOKYO });
      expect(entry.changes).toContainEqual({
        field: 'document',
        old: null,
        new: 'Participant consent v2.1 (en)',
      });
      expect(audit.events).toEqual([
        {
          topic: EventTopic.ParticipantChanged,
          aggregateId: participant.id,
          payload: { participantId: participant.id, cause: 'consent' },
        },
      ]);
    });

    it("accepts a signature dated today in Tokyo while it is still yesterday in UTC (the site's day counts)", async () => {
      const { service, participant } = setUp('2026-12-01T16:00:00Z'); // 01:00 on 2 December in Tokyo
      await expect(
        service.record(coordinatorAt(TOKYO), participant.id, {
          consentDocumentId: 'document-1',
          signedOn: '2026-12-02',
          scopes: [ConsentScope.RegistryFollowUp],
        }),
      ).resolves.toMatchObject({ signedOn: '2026-12-02' });
    });

    it('refuses a signature dated after the site’s today, naming signedOn, and writes nothing', async () => {
      const { service, participant, consents, audit } = setUp('2026-12-01T16:00:00Z');
      const error = await refusal(
        service.record(coordinatorAt(TOKYO), participant.id, {
          consentDocumentId: 'document-1',
          signedOn: '2026-12-03',
          scopes: [ConsentScope.RegistryFollowUp],
        }),
      );
      expect(error.details).toEqual([
        expect.objectContaining({ field: 'signedOn', constraint: 'notInFuture' }),
      ]);
      expect(consents.consents).toEqual([]);
      expect(audit.entries).toEqual([]);
    });

    it('refuses a scope the document does not grant, naming scopes', async () => {
      const { service, participant } = setUp();
      const error = await refusal(
        service.record(coordinatorAt(TOKYO), participant.id, {
          consentDocumentId: 'document-1',
          signedOn: '2026-12-01',
          scopes: [ConsentScope.ApoeDisclosure],
        }),
      );
      expect(error.details?.[0]).toMatchObject({ field: 'scopes', constraint: 'inDocument' });
    });

    it('refuses a signature before the document took effect', async () => {
      const { service, participant } = setUp();
      const error = await refusal(
        service.record(coordinatorAt(TOKYO), participant.id, {
          consentDocumentId: 'document-1',
          signedOn: '2025-12-31',
          scopes: [ConsentScope.RegistryFollowUp],
        }),
      );
      expect(error.details?.[0]).toMatchObject({ field: 'signedOn', constraint: 'notBeforeEffective' });
    });

    it("answers not found to a coordinator of another site, so the participant's existence is not revealed", async () => {
      const { service, participant, consents } = setUp();
      const error = await refusal(
        service.record(coordinatorAt(BOSTON), participant.id, {
          consentDocumentId: 'document-1',
          signedOn: '2026-12-01',
          scopes: [ConsentScope.RegistryFollowUp],
        }),
      );
      expect(error.code).toBe('not_found');
      expect(consents.consents).toEqual([]);
    });
  });

  describe('withdrawing scopes', () => {
    async function signed(setup: ReturnType<typeof setUp>) {
      return setup.service.record(coordinatorAt(TOKYO), setup.participant.id, {
        consentDocumentId: 'document-1',
        signedOn: '2026-06-01',
        scopes: ALL_SCOPES,
      });
    }

    it('keeps every visit while registry follow-up is still held', async () => {
      const setup = setUp();
      const consent = await signed(setup);
      await setup.service.withdraw(coordinatorAt(TOKYO), setup.participant.id, consent.id, {
        scopes: [ConsentScope.RecontactForTrials],
        withdrawnOn: '2026-12-01',
        reason: 'no longer wishes to be approached',
      });
      expect(setup.schedule.cancellations).toEqual([]);
      const entry = setup.audit.only('consent.withdrawn');
      expect(entry.reason).toBe('no longer wishes to be approached');
      expect(entry.changes).toContainEqual({
        field: 'withdrawnScopes',
        old: [],
        new: [ConsentScope.RecontactForTrials],
      });
      expect(setup.audit.events.map((event) => event.payload)).toContainEqual({
        participantId: setup.participant.id,
        cause: 'consent_withdrawn',
      });
    });

    it('ends the open referrals at once when the consent to be recontacted is withdrawn, and only then', async () => {
      const setup = setUp();
      const consent = await signed(setup);
      const open = setup.referrals.addContact({
        requestId: 'request-1',
        trialId: 'trial-1',
        participantId: setup.participant.id,
        siteId: TOKYO,
      });
      await setup.service.withdraw(coordinatorAt(TOKYO), setup.participant.id, consent.id, {
        scopes: [ConsentScope.BiomarkerSampling],
        withdrawnOn: '2026-12-01',
        reason: 'no more sampling',
      });
      expect(open.closedAt).toBeNull();
      await setup.service.withdraw(coordinatorAt(TOKYO), setup.participant.id, consent.id, {
        scopes: [ConsentScope.RecontactForTrials],
        withdrawnOn: '2026-12-01',
        reason: 'no longer wishes to be approached',
      });
      expect(open.closeReason).toBe('consent to be recontacted for trials withdrawn');
      expect(setup.audit.entries.at(-1)!.changes).toContainEqual({
        field: 'openReferralsClosed',
        old: null,
        new: 1,
      });
    });

    it('returns a referred participant to follow-up when the withdrawal ends their referral', async () => {
      const setup = setUp();
      const consent = await signed(setup);
      setup.participant.status = ParticipantStatus.Referred;
      setup.referrals.addContact({
        requestId: 'request-1',
        trialId: 'trial-1',
        participantId: setup.participant.id,
        siteId: TOKYO,
        state: ReferralContactState.Interested,
      });
      await setup.service.withdraw(coordinatorAt(TOKYO), setup.participant.id, consent.id, {
        scopes: [ConsentScope.RecontactForTrials],
        withdrawnOn: '2026-12-01',
        reason: 'no longer wishes to be approached',
      });
      expect(setup.participant.status).toBe(ParticipantStatus.Enrolled);
      expect(setup.audit.only('participant.status_changed')).toMatchObject({
        reason: 'referral closed: consent to be recontacted for trials withdrawn',
      });
    });

    it('cancels the unattended visits from the withdrawal day once registry follow-up is withdrawn, and says how many', async () => {
      const setup = setUp();
      const consent = await signed(setup);
      setup.schedule.unattendedVisits = 2;
      await setup.service.withdraw(coordinatorAt(TOKYO), setup.participant.id, consent.id, {
        scopes: [ConsentScope.RegistryFollowUp],
        withdrawnOn: '2026-11-30',
        reason: 'moving abroad',
      });
      expect(setup.schedule.cancellations).toEqual([
        {
          participantId: setup.participant.id,
          from: '2026-11-30',
          reason: 'consent for registry follow-up withdrawn',
        },
      ]);
      expect(setup.audit.only('consent.withdrawn').changes).toContainEqual({
        field: 'cancelledScheduledVisits',
        old: null,
        new: 2,
      });
    });

    it('withdraws every scope still held when none are named, and refuses a second withdrawal with 409', async () => {
      const setup = setUp();
      const consent = await signed(setup);
      const first = await setup.service.withdraw(coordinatorAt(TOKYO), setup.participant.id, consent.id, {
        withdrawnOn: '2026-12-01',
        reason: 'withdrew from the registry',
      });
      expect(first.map((w) => w.scope).sort()).toEqual([...ALL_SCOPES].sort());
      const again = await refusal(
        setup.service.withdraw(coordinatorAt(TOKYO), setup.participant.id, consent.id, {
          withdrawnOn: '2026-12-01',
          reason: 'again',
        }),
      );
      expect(again.code).toBe('consent.already_withdrawn');
      expect(setup.consents.withdrawals).toHaveLength(ALL_SCOPES.length);
    });

    it('refuses a withdrawal dated before the signature or after the site’s today, naming withdrawnOn', async () => {
      const setup = setUp();
      const consent = await signed(setup);
      for (const [withdrawnOn, constraint] of [
        ['2026-05-31', 'afterSigning'],
        ['2026-12-03', 'notInFuture'],
      ]) {
        const error = await refusal(
          setup.service.withdraw(coordinatorAt(TOKYO), setup.participant.id, consent.id, {
            scopes: [ConsentScope.RecontactForTrials],
            withdrawnOn,
            reason: 'r',
          }),
        );
        expect(error.details?.[0]).toMatchObject({ field: 'withdrawnOn', constraint });
      }
      expect(setup.consents.withdrawals).toEqual([]);
    });
  });

  describe('consent status', () => {
    it('lists the scopes held on the site’s today, after withdrawals', async () => {
      const setup = setUp();
      const consent = await setup.service.record(coordinatorAt(TOKYO), setup.participant.id, {
        consentDocumentId: 'document-1',
        signedOn: '2026-06-01',
        scopes: ALL_SCOPES,
      });
      await setup.service.withdraw(coordinatorAt(TOKYO), setup.participant.id, consent.id, {
        scopes: [ConsentScope.BiomarkerSampling],
        withdrawnOn: '2026-12-01',
        reason: 'no more lumbar punctures',
      });
      const status = await setup.service.status(coordinatorAt(TOKYO), setup.participant.id);
      expect(status.scopesHeld).toEqual(
        [ConsentScope.RecontactForTrials, ConsentScope.RegistryFollowUp].sort(),
      );
    });
  });

  it('refuses a document version that exists already with 409, auditing nothing', async () => {
    const { service, audit } = setUp();
    const error = await refusal(
      service.createDocument({
        title: 'Participant consent',
        version: '2.1',
        language: 'en',
        effectiveDate: '2026-01-01',
        scopes: ALL_SCOPES,
      }),
    );
    expect(error.code).toBe('consent_document.version_exists');
    expect(audit.entries).toEqual([]);
  });
});
