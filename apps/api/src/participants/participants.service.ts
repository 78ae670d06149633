import { Inject, Injectable } from '@nestjs/common';
import { Environment } from '@registry/config';
import {
  allowedTransitions,
  AmyloidStatus,
  canTransition,
  formatRegistryId,
  hasHappenedBy,
  ParticipantStatus,
  referralsEndWithStatus,
  Role,
} from '@registry/domain';
import {
  AuditedChange,
  AuditRepository,
  diffForAudit,
  IdentityRepository,
  ParticipantEntity,
  ParticipantIdentityEntity,
  ParticipantRepository,
  participantChanged,
  ParticipantSortColumn,
  ReferralRepository,
  SiteRepository,
  Transactions,
  Tx,
} from '@registry/persistence';
import { Clock, notFound } from '@registry/platform';
import { siteScopeOf } from '../auth/access-policy';
import type { Actor } from '../auth/actor';
import { RateLimiter } from '../common/rate-limiter';
import { identityFingerprint } from './identity-fingerprint';
import { ParticipantAccess } from './participant-access';
import { SiteToday } from '../sites/site-today';
import {
  invalidField,
  possibleDuplicate,
  tooManyDuplicateChecks,
  transitionNotAllowed,
} from './participant-errors';
import type { EnrollParticipantDto, ParticipantQueryDto, TransitionDto } from './participant.dto';

/** An enrolment, or the sites where the same person already is (the caller did not acknowledge them). */
type EnrolmentOutcome = { participant: ParticipantEntity } | { refusedFor: string[] };

@Injectable()
export class ParticipantsService {
  constructor(
    private readonly transactions: Transactions,
    private readonly participants: ParticipantRepository,
    private readonly identities: IdentityRepository,
    private readonly sites: SiteRepository,
    private readonly audit: AuditRepository,
    private readonly access: ParticipantAccess,
    private readonly siteToday: SiteToday,
    private readonly clock: Clock,
    private readonly rateLimiter: RateLimiter,
    @Inject(Environment) private readonly config: Environment,
    private readonly referrals: ReferralRepository,
  ) {}

  /**
   * Enrols a person at one of the coordinator's sites under a new registry id. A possible duplicate (same
   * normalised name and birth date at any site) is refused with 409 unless the coordinator acknowledges it,
   * in which case it is enrolled and the pair is flagged for review. Other sites' names are never compared
   * in clear: only keyed fingerprints are.
   *
   * The check tells whether a name and birth date are enrolled anywhere, and where, even when nothing is
   * enrolled: so each check is rate-limited per user and audited, the refused ones too.
   */
  async enroll(actor: Actor, input: EnrollParticipantDto): Promise<ParticipantEntity> {
    if (!actor.siteIds.includes(input.siteId))
      throw invalidField('siteId', 'ownSite', 'siteId must be one of your sites');
    if (input.familyHistory?.onsetAge !== undefined && !input.familyHistory.present) {
      throw invalidField(
        'familyHistory.onsetAge',
        'needsHistory',
        'familyHistory.onsetAge needs familyHistory.present',
      );
    }
    const fingerprint = identityFingerprint(
      this.config.IDENTITY_FINGERPRINT_KEY,
      input.identity.familyName,
      input.identity.givenName,
      input.birthDate,
    );

    const retryAfter = await this.rateLimiter.hit('duplicate-check', actor.userId, {
      limit: this.config.DUPLICATE_CHECK_RATE_LIMIT_PER_MINUTE,
      windowSeconds: 60,
    });
    if (retryAfter > 0) throw tooManyDuplicateChecks(retryAfter);

    const outcome = await this.transactions.run<EnrolmentOutcome>(async (tx) => {
      // The status takes effect on the calendar day at the site, not in UTC; no one is born after it.
      const today = await this.siteToday.at(tx, input.siteId);
      if (!hasHappenedBy(input.birthDate, today))
        throw invalidField('birthDate', 'notInFuture', 'birthDate is in the future at the site');
      // Two enrolments of one person at once would both find no match: the second waits here for the first
      // to commit, then finds it.
      await this.participants.lockFingerprint(tx, fingerprint);
      const matches = await this.participants.findByFingerprint(tx, fingerprint);
      const matchingSites = [...new Set(matches.map((m) => m.siteCode))];
      await this.auditDuplicateCheck(tx, input.siteId, fingerprint, matchingSites);
      // Refused: only the audit row of the check commits.
      if (matches.length > 0 && !input.acknowledgeDuplicate) return { refusedFor: matchingSites };

      // The site's row stays locked until commit, so enrolments there never mint the same registry id.
      const claimed = await this.sites.claimRegistrySequence(tx, input.siteId);
      if (!claimed) throw invalidField('siteId', 'activeSite', 'siteId names an inactive site');
      const participant = await this.participants.insert(tx, {
        id: formatRegistryId(claimed.siteCode, claimed.sequence),
        siteId: input.siteId,
        status: ParticipantStatus.Registered,
        statusEffectiveDate: today,
        birthDate: input.birthDate,
        sex: input.sex,
        educationYears: input.educationYears,
        apoeGenotype: input.apoeGenotype ?? 'unknown',
        familyHistory: input.familyHistory?.present ?? null,
        familyHistoryOnsetAge: input.familyHistory?.onsetAge ?? null,
        studyPartnerAvailable: input.studyPartnerAvailable,
        referralSource: input.referralSource,
        identityFingerprint: fingerprint,
        protocolId: null,
        baselineDate: null,
        amyloidStatus: AmyloidStatus.Unknown,
      });
      await this.identities.insert(tx, {
        participantId: participant.id,
        familyName: input.identity.familyName,
        givenName: input.identity.givenName,
        dateOfBirthAsGiven: input.birthDate,
        email: input.identity.email ?? null,
        phone: input.identity.phone ?? null,
        postalAddress: input.identity.postalAddress ?? null,
        studyPartnerName: input.identity.studyPartner?.name ?? null,
        studyPartnerContact: input.identity.studyPartner?.contact ?? null,
      });
      if (matches.length > 0) {
        await this.participants.flagPossibleDuplicates(
          tx,
          participant.id,
          matches.map((match) => match.participantId),
          input.acknowledgeDuplicate!.reason,
        );
      }
      await this.audit.recordChange(
        tx,
        {
          action: 'participant.enrolled',
          entityType: 'participant',
          entityId: participant.id,
          siteId: participant.siteId,
          // Clinical facts only: the identity is audited as "recorded", never in clear.
          changes: [
            ...diffForAudit({} as ParticipantEntity, participant, [
              'status',
              'birthDate',
              'sex',
              'educationYears',
              'apoeGenotype',
              'familyHistory',
              'familyHistoryOnsetAge',
              'studyPartnerAvailable',
              'referralSource',
            ]),
            { field: 'identity', old: null, new: '[recorded]' },
            // What the 409 showed, no more: the trail is read at this site, the matches are other sites' records.
            ...(matches.length ? [{ field: 'possibleDuplicateAtSites', old: null, new: matchingSites }] : []),
          ],
          reason: input.acknowledgeDuplicate?.reason ?? null,
        },
        participantChanged(participant.id, 'enrolled'),
      );
      return { participant };
    });
    if ('refusedFor' in outcome) throw possibleDuplicate(outcome.refusedFor);
    return outcome.participant;
  }

  /** Who asked (the request's actor), when, about whom (a keyed fingerprint, never the name), and the answer. */
  private async auditDuplicateCheck(
    tx: Tx,
    siteId: string,
    fingerprint: string,
    matchingSites: string[],
  ): Promise<void> {
    await this.audit.record(tx, {
      action: 'participant.duplicate_checked',
      entityType: 'participant_identity',
      siteId,
      changes: [
        { field: 'identityFingerprint', old: null, new: fingerprint },
        { field: 'matchingSites', old: null, new: matchingSites },
      ],
    });
  }

  list(actor: Actor, query: ParticipantQueryDto): Promise<[ParticipantEntity[], number]> {
    const scope = siteScopeOf(actor);
    return this.transactions.read((tx) =>
      this.participants.list(tx, {
        visibleSiteIds: scope.all ? 'all' : scope.siteIds,
        siteId: query.siteId,
        status: query.status,
        registryIdPrefix: query.registryId,
        overdueAt: query.overdue === 'true' ? this.clock.now() : undefined,
        sort: {
          column: query.sort.replace('-', '') as ParticipantSortColumn,
          descending: query.sort.startsWith('-'),
        },
        page: query.page,
        pageSize: query.pageSize,
      }),
    );
  }

  get(actor: Actor, id: string): Promise<ParticipantEntity> {
    return this.transactions.read((tx) => this.access.visible(tx, actor, id));
  }

  /** Names and contacts: for coordinators of the participant's own site only (admins and monitors get 404). */
  async identity(actor: Actor, id: string): Promise<ParticipantIdentityEntity> {
    if (actor.role !== Role.Coordinator) throw notFound('Participant');
    // Every read of who a person is leaves a row in the trail, committed before the names are sent.
    return this.transactions.run(async (tx) => {
      const participant = await this.access.visible(tx, actor, id);
      const identity = await this.identities.findOfParticipant(tx, participant.id);
      await this.audit.record(tx, {
        action: 'participant.identity_viewed',
        entityType: 'participant',
        entityId: participant.id,
        siteId: participant.siteId,
      });
      return identity;
    });
  }

  async transition(actor: Actor, id: string, input: TransitionDto): Promise<ParticipantEntity> {
    return this.transactions.run(async (tx) => {
      const participant = await this.access.writable(tx, actor, id);
      // A status dated ahead would stand in the way of the true date of a later change (a withdrawal, a death).
      if (!hasHappenedBy(input.effectiveDate, await this.siteToday.at(tx, participant.siteId)))
        throw invalidField('effectiveDate', 'notInFuture', 'effectiveDate is in the future at the site');
      if (!canTransition(participant.status, input.to)) {
        throw transitionNotAllowed(participant.status, input.to, allowedTransitions(participant.status));
      }
      if (input.effectiveDate < participant.statusEffectiveDate) {
        throw invalidField(
          'effectiveDate',
          'notBeforeCurrent',
          `effectiveDate must not be before ${participant.statusEffectiveDate}, when the current status began`,
        );
      }
      const changes: AuditedChange[] = [
        { field: 'status', old: participant.status, new: input.to },
        { field: 'statusEffectiveDate', old: participant.statusEffectiveDate, new: input.effectiveDate },
      ];
      await this.participants.updateStatus(tx, participant.id, input.to, input.effectiveDate);
      // Leaving the registry ends any referral under way at once.
      const referralsEnd = referralsEndWithStatus(input.to);
      const referralsClosed = referralsEnd
        ? await this.referrals.closeOpenOfParticipant(tx, participant.id, referralsEnd)
        : 0;
      if (referralsClosed) changes.push({ field: 'openReferralsClosed', old: null, new: referralsClosed });
      await this.audit.recordChange(
        tx,
        {
          action: 'participant.status_changed',
          entityType: 'participant',
          entityId: participant.id,
          siteId: participant.siteId,
          changes,
          reason: input.reason,
        },
        participantChanged(participant.id, `status:${input.to}`),
      );
      return { ...participant, status: input.to, statusEffectiveDate: input.effectiveDate };
    });
  }
}
