import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Environment } from '@registry/config';
import {
  allowedTransitions,
  AmyloidStatus,
  canTransition,
  formatRegistryId,
  hasHappenedBy,
  ParticipantStatus,
  Role,
} from '@registry/domain';
import {
  diffForAudit,
  ParticipantDuplicateFlagEntity,
  ParticipantEntity,
  ParticipantIdentityEntity,
  participantChanged,
  recordAudit,
  recordAuditedChange,
  SiteEntity,
} from '@registry/persistence';
import { Clock, notFound } from '@registry/platform';
import { DataSource, EntityManager } from 'typeorm';
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

const SORT_COLUMNS = { registryId: 'p.id', createdAt: 'p.createdAt', status: 'p.status' } as const;

@Injectable()
export class ParticipantsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: ParticipantAccess,
    private readonly siteToday: SiteToday,
    private readonly clock: Clock,
    private readonly rateLimiter: RateLimiter,
    @Inject(Environment) private readonly config: Environment,
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

    const retryAfter = await this.rateLimiter.hit(
      'duplicate-check',
      actor.userId,
      this.config.DUPLICATE_CHECK_RATE_LIMIT_PER_MINUTE,
    );
    if (retryAfter > 0) throw tooManyDuplicateChecks(retryAfter);

    const outcome = await this.dataSource.transaction<EnrolmentOutcome>(async (manager) => {
      // The status takes effect on the calendar day at the site, not in UTC; no one is born after it.
      const today = await this.siteToday.at(manager, input.siteId);
      if (!hasHappenedBy(input.birthDate, today))
        throw invalidField('birthDate', 'notInFuture', 'birthDate is in the future at the site');
      // Two enrolments of one person at once would both find no match: the second waits here for the first
      // to commit, then finds it. The lock is keyed by the fingerprint, so other people do not wait.
      await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [fingerprint]);
      const matches = await manager.query<{ id: string; code: string }[]>(
        `SELECT p.id, s.code FROM participant p JOIN site s ON s.id = p.site_id WHERE p.identity_fingerprint = $1 ORDER BY p.id`,
        [fingerprint],
      );
      const matchingSites = [...new Set(matches.map((m) => m.code))];
      await this.auditDuplicateCheck(manager, input.siteId, fingerprint, matchingSites);
      // Refused: only the audit row of the check commits.
      if (matches.length > 0 && !input.acknowledgeDuplicate) return { refusedFor: matchingSites };

      // The row lock on the site serialises enrolments there, so sequences never collide.
      // TypeORM answers an UPDATE ... RETURNING with [rows, affected].
      const [[site]] = await manager.query<[{ code: string; last_registry_sequence: number }[], number]>(
        `UPDATE site SET last_registry_sequence = last_registry_sequence + 1 WHERE id = $1 AND active
         RETURNING code, last_registry_sequence`,
        [input.siteId],
      );
      if (!site) throw invalidField('siteId', 'activeSite', 'siteId names an inactive site');
      const participant = manager.create(ParticipantEntity, {
        id: formatRegistryId(site.code, site.last_registry_sequence),
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
      await manager.insert(ParticipantEntity, participant);
      await manager.insert(ParticipantIdentityEntity, {
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
      for (const match of matches) {
        await manager.insert(ParticipantDuplicateFlagEntity, {
          participantId: participant.id,
          matchesParticipantId: match.id,
          acknowledgedReason: input.acknowledgeDuplicate!.reason,
        });
      }
      await recordAuditedChange(
        manager,
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
    manager: EntityManager,
    siteId: string,
    fingerprint: string,
    matchingSites: string[],
  ): Promise<void> {
    await recordAudit(manager, {
      action: 'participant.duplicate_checked',
      entityType: 'participant_identity',
      siteId,
      changes: [
        { field: 'identityFingerprint', old: null, new: fingerprint },
        { field: 'matchingSites', old: null, new: matchingSites },
      ],
    });
  }

  async list(actor: Actor, query: ParticipantQueryDto): Promise<[ParticipantEntity[], number]> {
    const builder = this.dataSource.getRepository(ParticipantEntity).createQueryBuilder('p');
    const filter = siteScopeOf(actor);
    if (!filter.all) builder.andWhere('p.site_id = ANY(:siteIds::uuid[])', { siteIds: filter.siteIds });
    if (query.siteId) builder.andWhere('p.site_id = :siteId', { siteId: query.siteId });
    if (query.status) builder.andWhere('p.status = :status', { status: query.status });
    if (query.registryId) builder.andWhere('p.id LIKE :prefix', { prefix: `${query.registryId}%` });
    if (query.overdue === 'true') {
      // Same rule as scheduledVisitStatus() in libs/domain: past the window, and the next window not yet open,
      // with "today" taken in the site's own time zone at the injected clock's instant (as SiteCalendar does).
      builder.andWhere(
        `EXISTS (
        SELECT 1 FROM scheduled_visit sv JOIN site s ON s.id = p.site_id
        WHERE sv.participant_id = p.id AND sv.cancelled_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM visit v WHERE v.scheduled_visit_id = sv.id)
          AND sv.window_end < (:now::timestamptz AT TIME ZONE s.time_zone)::date
          AND NOT EXISTS (
            SELECT 1 FROM scheduled_visit nxt
            WHERE nxt.participant_id = sv.participant_id AND nxt.window_start > sv.window_start
              AND nxt.window_start <= (:now::timestamptz AT TIME ZONE s.time_zone)::date))`,
        { now: this.clock.now() },
      );
    }
    const descending = query.sort.startsWith('-');
    const column = SORT_COLUMNS[query.sort.replace('-', '') as keyof typeof SORT_COLUMNS];
    builder.orderBy(column, descending ? 'DESC' : 'ASC');
    // Ties broken by registry id (TypeORM keeps one direction per column, so not when sorting by it).
    if (column !== SORT_COLUMNS.registryId) builder.addOrderBy('p.id', 'ASC');
    return builder
      .skip((query.page - 1) * query.pageSize)
      .take(query.pageSize)
      .getManyAndCount();
  }

  get(actor: Actor, id: string): Promise<ParticipantEntity> {
    return this.access.visible(this.dataSource.manager, actor, id);
  }

  /** Names and contacts: for coordinators of the participant's own site only (admins and monitors get 404). */
  async identity(actor: Actor, id: string): Promise<ParticipantIdentityEntity> {
    if (actor.role !== Role.Coordinator) throw notFound('Participant');
    // Every read of who a person is leaves a row in the trail, committed before the names are sent.
    return this.dataSource.transaction(async (manager) => {
      const participant = await this.access.visible(manager, actor, id);
      const identity = await manager.findOneByOrFail(ParticipantIdentityEntity, {
        participantId: participant.id,
      });
      await recordAudit(manager, {
        action: 'participant.identity_viewed',
        entityType: 'participant',
        entityId: participant.id,
        siteId: participant.siteId,
      });
      return identity;
    });
  }

  async transition(actor: Actor, id: string, input: TransitionDto): Promise<ParticipantEntity> {
    return this.dataSource.transaction(async (manager) => {
      const participant = await this.access.writable(manager, actor, id);
      // A status dated ahead would stand in the way of the true date of a later change (a withdrawal, a death).
      if (!hasHappenedBy(input.effectiveDate, await this.siteToday.at(manager, participant.siteId)))
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
      const changes = [
        { field: 'status', old: participant.status, new: input.to },
        { field: 'statusEffectiveDate', old: participant.statusEffectiveDate, new: input.effectiveDate },
      ];
      await manager.update(ParticipantEntity, participant.id, {
        status: input.to,
        statusEffectiveDate: input.effectiveDate,
      });
      await recordAuditedChange(
        manager,
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

  /** The site a participant belongs to, for time-zone work; the caller has already checked access. */
  site(siteId: string): Promise<SiteEntity> {
    return this.dataSource.getRepository(SiteEntity).findOneByOrFail({ id: siteId });
  }
}
