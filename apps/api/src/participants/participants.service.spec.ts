import { Environment } from '@registry/config';
import { ParticipantStatus, ReferralContactState } from '@registry/domain';
import { EventTopic } from '@registry/jobs';
import { FixedClock, SiteCalendar } from '@registry/platform';
import {
  admin,
  coordinatorAt,
  FakeAuditRepository,
  FakeIdentityRepository,
  FakeParticipantRepository,
  FakeRateLimiter,
  FakeSiteRepository,
  FakeTransactions,
  monitorAt,
  refusal,
  FakeReferralRepository,
} from '../../../../test/fakes';
import { SiteToday } from '../sites/site-today';
import { identityFingerprint } from './identity-fingerprint';
import type { EnrollParticipantDto, ParticipantQueryDto } from './participant.dto';
import { ParticipantAccess } from './participant-access';
import { ParticipantsService } from './participants.service';

const KEY = 'fingerprint-key-for-unit-tests-only-0123456789';
const LIMIT = 30;

function setUp(now = '2026-12-01T16:00:00Z') {
  const sites = new FakeSiteRepository();
  const tokyo = sites.add({ code: 'TKY', timeZone: 'Asia/Tokyo' });
  const boston = sites.add({ code: 'BOS', timeZone: 'America/New_York' });
  const participants = new FakeParticipantRepository(sites);
  const identities = new FakeIdentityRepository();
  const audit = new FakeAuditRepository();
  const transactions = new FakeTransactions();
  const rateLimiter = new FakeRateLimiter();
  const clock = new FixedClock(now);
  const config = Object.assign(new Environment(), {
    IDENTITY_FINGERPRINT_KEY: KEY,
    DUPLICATE_CHECK_RATE_LIMIT_PER_MINUTE: LIMIT,
  });
  const referrals = new FakeReferralRepository();
  const service = new ParticipantsService(
    transactions,
    participants,
    identities,
    sites,
    audit,
    new ParticipantAccess(participants),
    new SiteToday(sites, new SiteCalendar(clock)),
    clock,
    rateLimiter,
    config,
    referrals,
  );
  return {
    service,
    sites,
    tokyo,
    boston,
    participants,
    identities,
    audit,
    transactions,
    rateLimiter,
    referrals,
  };
}

function enrolment(siteId: string, overrides: Partial<EnrollParticipantDto> = {}): EnrollParticipantDto {
  return {
    siteId,
    birthDate: '1958-04-01',
    sex: 'female',
    educationYears: 16,
    studyPartnerAvailable: true,
    referralSource: 'site',
    identity: { familyName: 'Tanaka', givenName: 'Yuki', email: 'yuki@example.jp' },
    ...overrides,
  };
}

function listQuery(overrides: Partial<ParticipantQueryDto> = {}): ParticipantQueryDto {
  return { page: 1, pageSize: 50, sort: 'registryId', ...overrides };
}

describe('ParticipantsService', () => {
  describe('enrolling a person', () => {
    it("mints the site's next registry id, registers them from the site's today and stores the identity apart", async () => {
      const { service, tokyo, participants, identities } = setUp('2026-12-01T16:00:00Z'); // 2 December in Tokyo
      const first = await service.enroll(coordinatorAt(tokyo.id), enrolment(tokyo.id));
      const second = await service.enroll(
        coordinatorAt(tokyo.id),
        enrolment(tokyo.id, { identity: { familyName: 'Sato', givenName: 'Ken' } }),
      );

      expect(first.id).toMatch(/^TKY-000001-[0-9A-Z]$/);
      expect(second.id).toMatch(/^TKY-000002-[0-9A-Z]$/);
      expect(first).toMatchObject({
        siteId: tokyo.id,
        status: ParticipantStatus.Registered,
        statusEffectiveDate: '2026-12-02',
        apoeGenotype: 'unknown',
        familyHistory: null,
      });
      expect(participants.rows.get(first.id)).toBeDefined();
      expect(identities.rows.get(first.id)).toMatchObject({
        familyName: 'Tanaka',
        givenName: 'Yuki',
        dateOfBirthAsGiven: '1958-04-01',
        email: 'yuki@example.jp',
        phone: null,
      });
    });

    it('audits the duplicate check and the enrolment by fingerprint and clinical facts, never the name, and has them screened', async () => {
      const { service, tokyo, audit } = setUp();
      const participant = await service.enroll(coordinatorAt(tokyo.id), enrolment(tokyo.id));

      const fingerprint = identityFingerprint(KEY, 'Tanaka', 'Yuki', '1958-04-01');
      expect(audit.only('participant.duplicate_checked')).toMatchObject({
        entityType: 'participant_identity',
        siteId: tokyo.id,
        changes: [
          { field: 'identityFingerprint', old: null, new: fingerprint },
          { field: 'matchingSites', old: null, new: [] },
        ],
      });
      const enrolled = audit.only('participant.enrolled');
      expect(enrolled).toMatchObject({ entityId: participant.id, siteId: tokyo.id, reason: null });
      expect(enrolled.changes).toContainEqual({ field: 'identity', old: null, new: '[recorded]' });
      expect(enrolled.changes).toContainEqual({ field: 'birthDate', old: null, new: '1958-04-01' });
      expect(JSON.stringify(audit.entries)).not.toMatch(/Tanaka|Yuki|yuki@example/);
      expect(audit.events).toEqual([
        {
          topic: EventTopic.ParticipantChanged,
          aggregateId: participant.id,
          payload: { participantId: participant.id, cause: 'enrolled' },
        },
      ]);
    });

    it('refuses a site that is not one of the coordinator’s, naming siteId, before any duplicate check', async () => {
      const { service, tokyo, boston, participants, audit, rateLimiter } = setUp();
      const error = await refusal(service.enroll(coordinatorAt(tokyo.id), enrolment(boston.id)));
      expect(error.details).toEqual([expect.objectContaining({ field: 'siteId', constraint: 'ownSite' })]);
      expect(rateLimiter.hits).toEqual([]);
      expect(participants.rows.size).toBe(0);
      expect(audit.entries).toEqual([]);
    });

    it('refuses an onset age of a family history that is not present, naming familyHistory.onsetAge', async () => {
      const { service, tokyo, participants } = setUp();
      const error = await refusal(
        service.enroll(
          coordinatorAt(tokyo.id),
          enrolment(tokyo.id, { familyHistory: { present: false, onsetAge: 70 } }),
        ),
      );
      expect(error.details?.[0]).toMatchObject({
        field: 'familyHistory.onsetAge',
        constraint: 'needsHistory',
      });
      expect(participants.rows.size).toBe(0);
    });

    it('counts each attempt against the user’s duplicate-check limit, and past it answers 429 with the wait, checking nothing', async () => {
      const { service, tokyo, audit, transactions, rateLimiter } = setUp();
      const coordinator = coordinatorAt(tokyo.id);
      rateLimiter.retryAfter = 17;
      const error = await refusal(service.enroll(coordinator, enrolment(tokyo.id)));

      expect(rateLimiter.hits).toEqual([
        { action: 'duplicate-check', subject: coordinator.userId, limit: LIMIT, windowSeconds: 60 },
      ]);
      expect(error.code).toBe('participant.duplicate_checks_rate_limited');
      expect(error.meta).toEqual({ retryAfterSeconds: 17 });
      expect(transactions.opened).toBe(0);
      expect(audit.entries).toEqual([]);
    });

    it("accepts a birth date that is today in Tokyo while still yesterday in UTC, and refuses one after the site's today", async () => {
      const { service, tokyo, participants } = setUp('2026-12-01T16:00:00Z');
      await expect(
        service.enroll(coordinatorAt(tokyo.id), enrolment(tokyo.id, { birthDate: '2026-12-02' })),
      ).resolves.toMatchObject({ birthDate: '2026-12-02' });

      const error = await refusal(
        service.enroll(coordinatorAt(tokyo.id), enrolment(tokyo.id, { birthDate: '2026-12-03' })),
      );
      expect(error.details?.[0]).toMatchObject({ field: 'birthDate', constraint: 'notInFuture' });
      expect(participants.rows.size).toBe(1);
    });

    it('refuses the same person enrolled at another site with 409 naming only that site’s code, and keeps just the audited check', async () => {
      const { service, tokyo, boston, participants, identities, audit } = setUp();
      const elsewhere = participants.add({
        siteId: boston.id,
        identityFingerprint: identityFingerprint(KEY, 'Tanaka', 'Yuki', '1958-04-01'),
      });
      // Written differently, the same person: names are compared normalised, by fingerprint.
      const error = await refusal(
        service.enroll(
          coordinatorAt(tokyo.id),
          enrolment(tokyo.id, { identity: { familyName: 'TANAKA', givenName: 'yuki' } }),
        ),
      );

      expect(error.code).toBe('participant.possible_duplicate');
      expect(error.meta).toEqual({ matchingSites: ['BOS'] });
      expect(JSON.stringify(error)).not.toContain(elsewhere.id);
      expect(participants.rows.size).toBe(1);
      expect(identities.rows.size).toBe(0);
      expect(audit.entries.map((entry) => entry.action)).toEqual(['participant.duplicate_checked']);
      expect(audit.only('participant.duplicate_checked').changes).toContainEqual({
        field: 'matchingSites',
        old: null,
        new: ['BOS'],
      });
      expect(participants.lockedFingerprints).toEqual([elsewhere.identityFingerprint]);
    });

    it('enrols an acknowledged duplicate, flags the pair with the reason, and audits the matching sites without their registry ids', async () => {
      const { service, tokyo, boston, participants, audit } = setUp();
      const elsewhere = participants.add({
        siteId: boston.id,
        identityFingerprint: identityFingerprint(KEY, 'Tanaka', 'Yuki', '1958-04-01'),
      });
      const reason = 'different person: other mother’s maiden name';
      const participant = await service.enroll(
        coordinatorAt(tokyo.id),
        enrolment(tokyo.id, { acknowledgeDuplicate: { reason } }),
      );

      expect(participants.duplicateFlags).toEqual([
        { participantId: participant.id, matchesParticipantId: elsewhere.id, acknowledgedReason: reason },
      ]);
      const enrolled = audit.only('participant.enrolled');
      expect(enrolled.reason).toBe(reason);
      expect(enrolled.changes).toContainEqual({ field: 'possibleDuplicateAtSites', old: null, new: ['BOS'] });
      expect(JSON.stringify(audit.entries)).not.toContain(elsewhere.id);
    });

    it('refuses an inactive site, naming siteId, and stores no participant or identity', async () => {
      const { service, sites, participants, identities, audit } = setUp();
      const closed = sites.add({ code: 'OSA', active: false });
      const error = await refusal(service.enroll(coordinatorAt(closed.id), enrolment(closed.id)));
      expect(error.details?.[0]).toMatchObject({ field: 'siteId', constraint: 'activeSite' });
      expect(participants.rows.size).toBe(0);
      expect(identities.rows.size).toBe(0);
      expect(audit.events).toEqual([]);
    });
  });

  describe('listing participants', () => {
    it('shows a coordinator only the participants of their own sites, and an admin all of them', async () => {
      const { service, tokyo, boston, participants } = setUp();
      const inTokyo = participants.add({ siteId: tokyo.id });
      participants.add({ siteId: boston.id });

      const [own, ownTotal] = await service.list(coordinatorAt(tokyo.id), listQuery());
      expect(own.map((p) => p.id)).toEqual([inTokyo.id]);
      expect(ownTotal).toBe(1);
      expect(participants.listQueries[0].visibleSiteIds).toEqual([tokyo.id]);

      const [, total] = await service.list(admin(), listQuery());
      expect(total).toBe(2);
      expect(participants.listQueries[1].visibleSiteIds).toBe('all');
    });

    it('asks for overdue visits as of the clock’s instant, and passes the filters, sort and page on', async () => {
      const { service, tokyo, participants } = setUp('2026-12-01T16:00:00Z');
      await service.list(
        monitorAt(tokyo.id),
        listQuery({
          overdue: 'true',
          status: ParticipantStatus.Enrolled,
          registryId: 'TKY-0001',
          siteId: tokyo.id,
          sort: '-createdAt',
          page: 3,
          pageSize: 20,
        }),
      );
      await service.list(monitorAt(tokyo.id), listQuery({ overdue: 'false' }));

      expect(participants.listQueries[0]).toEqual({
        visibleSiteIds: [tokyo.id],
        siteId: tokyo.id,
        status: ParticipantStatus.Enrolled,
        registryIdPrefix: 'TKY-0001',
        overdueAt: new Date('2026-12-01T16:00:00Z'),
        sort: { column: 'createdAt', descending: true },
        page: 3,
        pageSize: 20,
      });
      expect(participants.listQueries[1].overdueAt).toBeUndefined();
      expect(participants.listQueries[1].sort).toEqual({ column: 'registryId', descending: false });
    });
  });

  describe("reading a participant's identity", () => {
    it('gives the names to a coordinator of the participant’s site and audits the read in the same transaction', async () => {
      const { service, tokyo, identities, audit, transactions } = setUp();
      const participant = await service.enroll(coordinatorAt(tokyo.id), enrolment(tokyo.id));
      const opened = transactions.opened;
      audit.entries.length = 0;

      const identity = await service.identity(coordinatorAt(tokyo.id), participant.id);

      expect(identity).toBe(identities.rows.get(participant.id));
      expect(transactions.opened).toBe(opened + 1);
      expect(audit.only('participant.identity_viewed')).toMatchObject({
        entityType: 'participant',
        entityId: participant.id,
        siteId: tokyo.id,
      });
    });

    it.each([
      ['an admin', () => admin()],
      ['a monitor of the site', (siteId: string) => monitorAt(siteId)],
      ['a coordinator of another site', () => coordinatorAt('another-site')],
    ])('answers not found to %s, auditing nothing', async (_who, actorFor) => {
      const { service, tokyo, audit } = setUp();
      const participant = await service.enroll(coordinatorAt(tokyo.id), enrolment(tokyo.id));
      audit.entries.length = 0;

      const error = await refusal(service.identity(actorFor(tokyo.id), participant.id));
      expect(error.code).toBe('not_found');
      expect(audit.entries).toEqual([]);
    });
  });

  describe('changing a status', () => {
    it('locks the participant, stores the new status and its date, and audits who, what and why with a screening event', async () => {
      const { service, tokyo, participants, audit } = setUp();
      const participant = participants.add({
        siteId: tokyo.id,
        status: ParticipantStatus.Registered,
        statusEffectiveDate: '2026-11-01',
      });
      const changed = await service.transition(coordinatorAt(tokyo.id), participant.id, {
        to: ParticipantStatus.Screening,
        effectiveDate: '2026-11-20',
        reason: 'Invited to amyloid PET',
      });

      expect(changed).toMatchObject({
        status: ParticipantStatus.Screening,
        statusEffectiveDate: '2026-11-20',
      });
      expect(participants.rows.get(participant.id)).toMatchObject({
        status: ParticipantStatus.Screening,
        statusEffectiveDate: '2026-11-20',
      });
      expect(participants.locked).toEqual([participant.id]);
      expect(audit.only('participant.status_changed')).toMatchObject({
        entityId: participant.id,
        siteId: tokyo.id,
        reason: 'Invited to amyloid PET',
        changes: [
          { field: 'status', old: ParticipantStatus.Registered, new: ParticipantStatus.Screening },
          { field: 'statusEffectiveDate', old: '2026-11-01', new: '2026-11-20' },
        ],
      });
      expect(audit.events.map((event) => event.payload)).toEqual([
        { participantId: participant.id, cause: 'status:screening' },
      ]);
    });

    it('ends the open referrals of a participant who withdraws from the registry, at once', async () => {
      const { service, tokyo, participants, audit, referrals } = setUp();
      const participant = participants.add({ siteId: tokyo.id, status: ParticipantStatus.Referred });
      const open = referrals.addContact({
        requestId: 'request-1',
        trialId: 'trial-1',
        participantId: participant.id,
        siteId: tokyo.id,
        state: ReferralContactState.Interested,
      });
      await service.transition(coordinatorAt(tokyo.id), participant.id, {
        to: ParticipantStatus.Withdrawn,
        effectiveDate: '2026-11-20',
        reason: 'Withdrew',
      });
      expect(open.closeReason).toBe('participant status is withdrawn');
      expect(audit.only('participant.status_changed').changes).toContainEqual({
        field: 'openReferralsClosed',
        old: null,
        new: 1,
      });
    });

    it('refuses a transition the status does not allow with 409 listing the allowed ones, writing nothing', async () => {
      const { service, tokyo, participants, audit } = setUp();
      const participant = participants.add({ siteId: tokyo.id, status: ParticipantStatus.Withdrawn });
      const error = await refusal(
        service.transition(coordinatorAt(tokyo.id), participant.id, {
          to: ParticipantStatus.Enrolled,
          effectiveDate: '2026-11-20',
          reason: 'came back',
        }),
      );
      expect(error.code).toBe('participant.transition_not_allowed');
      expect(error.meta).toEqual({
        from: ParticipantStatus.Withdrawn,
        to: ParticipantStatus.Enrolled,
        allowed: [],
      });
      expect(participants.rows.get(participant.id)?.status).toBe(ParticipantStatus.Withdrawn);
      expect(audit.entries).toEqual([]);
    });

    it("refuses an effective date after the site's today or before the current status began, naming effectiveDate", async () => {
      const { service, tokyo, participants, audit } = setUp('2026-12-01T16:00:00Z');
      const participant = participants.add({
        siteId: tokyo.id,
        status: ParticipantStatus.Enrolled,
        statusEffectiveDate: '2026-06-01',
      });
      for (const [effectiveDate, constraint] of [
        ['2026-12-03', 'notInFuture'],
        ['2026-05-31', 'notBeforeCurrent'],
      ]) {
        const error = await refusal(
          service.transition(coordinatorAt(tokyo.id), participant.id, {
            to: ParticipantStatus.Withdrawn,
            effectiveDate,
            reason: 'withdrew',
          }),
        );
        expect(error.details?.[0]).toMatchObject({ field: 'effectiveDate', constraint });
      }
      expect(participants.rows.get(participant.id)?.status).toBe(ParticipantStatus.Enrolled);
      expect(audit.entries).toEqual([]);
    });

    it('answers not found to a monitor of the site, who may read but not write', async () => {
      const { service, tokyo, participants, audit } = setUp();
      const participant = participants.add({ siteId: tokyo.id });
      const error = await refusal(
        service.transition(monitorAt(tokyo.id), participant.id, {
          to: ParticipantStatus.Withdrawn,
          effectiveDate: '2026-11-20',
          reason: 'withdrew',
        }),
      );
      expect(error.code).toBe('not_found');
      expect(audit.entries).toEqual([]);
    });
  });

  it("answers not found for a participant of another site, so that the participant's existence is not revealed", async () => {
    const { service, tokyo, boston, participants } = setUp();
    const participant = participants.add({ siteId: boston.id });
    await expect(service.get(monitorAt(boston.id), participant.id)).resolves.toMatchObject({
      id: participant.id,
    });
    const error = await refusal(service.get(coordinatorAt(tokyo.id), participant.id));
    expect(error.code).toBe('not_found');
  });
});
