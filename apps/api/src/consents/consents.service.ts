import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ConsentGrant, ConsentScope, hasHappenedBy, scopesHeld } from '@registry/domain';
import {
  ConsentDocumentEntity,
  ConsentWithdrawalEntity,
  ParticipantConsentEntity,
  participantChanged,
  recordAudit,
  recordAuditedChange,
  ScheduledVisitEntity,
  uniqueViolation,
} from '@registry/persistence';
import { Clock, DomainError, ErrorKind, notFound, SiteCalendar } from '@registry/platform';
import { DataSource, EntityManager, In } from 'typeorm';
import type { Actor } from '../auth/actor';
import { ParticipantAccess } from '../participants/participant-access';
import { invalidField, missingConsent } from '../participants/participant-errors';
import { siteToday } from '../sites/site-today';
import type { CreateConsentDocumentDto, RecordConsentDto, WithdrawConsentDto } from './consent.dto';

@Injectable()
export class ConsentsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: ParticipantAccess,
    private readonly calendar: SiteCalendar,
    private readonly clock: Clock,
  ) {}

  listDocuments(): Promise<ConsentDocumentEntity[]> {
    return this.dataSource
      .getRepository(ConsentDocumentEntity)
      .find({ order: { title: 'ASC', effectiveDate: 'DESC' } });
  }

  async createDocument(input: CreateConsentDocumentDto): Promise<ConsentDocumentEntity> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const document = await manager.save(manager.create(ConsentDocumentEntity, input));
        await recordAudit(manager, {
          action: 'consent_document.created',
          entityType: 'consent_document',
          entityId: document.id,
          changes: Object.entries(input).map(([field, value]) => ({
            field,
            old: null,
            new: value as unknown,
          })),
        });
        return document;
      });
    } catch (error) {
      if (uniqueViolation(error) === 'consent_document_version_key') {
        throw new DomainError(
          ErrorKind.Conflict,
          'consent_document.version_exists',
          'This title, version and language exist already',
        );
      }
      throw error;
    }
  }

  async status(actor: Actor, participantId: string) {
    const participant = await this.access.visible(this.dataSource.manager, actor, participantId);
    const [consents, withdrawals] = await this.load(this.dataSource.manager, participant.id);
    const today = await siteToday(this.dataSource.manager, this.calendar, participant.siteId);
    return {
      scopesHeld: [...scopesHeld(toGrants(consents, withdrawals), today)].sort(),
      consents,
      withdrawals,
    };
  }

  async record(
    actor: Actor,
    participantId: string,
    input: RecordConsentDto,
  ): Promise<ParticipantConsentEntity> {
    return this.dataSource.transaction(async (manager) => {
      const participant = await this.access.writable(manager, actor, participantId);
      if (!hasHappenedBy(input.signedOn, await siteToday(manager, this.calendar, participant.siteId)))
        throw invalidField('signedOn', 'notInFuture', 'signedOn is in the future at the site');
      const document = await manager.findOneBy(ConsentDocumentEntity, { id: input.consentDocumentId });
      if (!document)
        throw invalidField('consentDocumentId', 'exists', 'consentDocumentId names no consent document');
      if (input.signedOn < document.effectiveDate) {
        throw invalidField(
          'signedOn',
          'notBeforeEffective',
          `signedOn is before the document took effect (${document.effectiveDate})`,
        );
      }
      const notInDocument = input.scopes.filter((scope) => !document.scopes.includes(scope));
      if (notInDocument.length > 0) {
        throw invalidField(
          'scopes',
          'inDocument',
          `scopes ${notInDocument.join(', ')} are not granted by this document`,
        );
      }
      const consent = await manager.save(
        manager.create(ParticipantConsentEntity, {
          participantId: participant.id,
          consentDocumentId: document.id,
          signedOn: input.signedOn,
          scopes: input.scopes,
        }),
      );
      await recordAuditedChange(
        manager,
        {
          action: 'consent.recorded',
          entityType: 'participant_consent',
          entityId: consent.id,
          siteId: participant.siteId,
          changes: [
            { field: 'participantId', old: null, new: participant.id },
            {
              field: 'document',
              old: null,
              new: `${document.title} v${document.version} (${document.language})`,
            },
            { field: 'signedOn', old: null, new: input.signedOn },
            { field: 'scopes', old: null, new: input.scopes },
          ],
        },
        participantChanged(participant.id, 'consent'),
      );
      return consent;
    });
  }

  /**
   * Withdraws scopes of one consent at once: nothing collected is deleted; without registry follow-up the
   * participant's open scheduled visits are cancelled (so no reminder goes out), and every consumer is told.
   */
  async withdraw(
    actor: Actor,
    participantId: string,
    consentId: string,
    input: WithdrawConsentDto,
  ): Promise<ConsentWithdrawalEntity[]> {
    return this.dataSource.transaction(async (manager) => {
      const participant = await this.access.writable(manager, actor, participantId);
      // Withdrawal takes effect at once; a date ahead would leave the scopes held until then.
      if (!hasHappenedBy(input.withdrawnOn, await siteToday(manager, this.calendar, participant.siteId)))
        throw invalidField('withdrawnOn', 'notInFuture', 'withdrawnOn is in the future at the site');
      const consent = await manager.findOneBy(ParticipantConsentEntity, {
        id: consentId,
        participantId: participant.id,
      });
      if (!consent) throw notFound('Consent');
      const already = (
        await manager.findBy(ConsentWithdrawalEntity, { participantConsentId: consent.id })
      ).map((w) => w.scope);
      const requested = input.scopes ?? consent.scopes.filter((scope) => !already.includes(scope));
      const notGranted = requested.filter((scope) => !consent.scopes.includes(scope));
      if (notGranted.length > 0)
        throw invalidField(
          'scopes',
          'granted',
          `scopes ${notGranted.join(', ')} were not granted by this consent`,
        );
      const repeated = requested.filter((scope) => already.includes(scope));
      if (repeated.length > 0 || requested.length === 0) {
        throw new DomainError(
          ErrorKind.Conflict,
          'consent.already_withdrawn',
          `Already withdrawn: ${repeated.join(', ') || 'every scope'}`,
        );
      }
      if (input.withdrawnOn < consent.signedOn)
        throw invalidField('withdrawnOn', 'afterSigning', 'withdrawnOn is before the consent was signed');

      const withdrawals = requested.map((scope) =>
        manager.create(ConsentWithdrawalEntity, {
          participantConsentId: consent.id,
          scope,
          withdrawnOn: input.withdrawnOn,
          reason: input.reason,
        }),
      );
      await manager.save(withdrawals);
      let cancelledVisits = 0;
      const [consents, allWithdrawals] = await this.load(manager, participant.id);
      if (
        !scopesHeld(toGrants(consents, allWithdrawals), input.withdrawnOn).has(ConsentScope.RegistryFollowUp)
      ) {
        const result = await manager
          .createQueryBuilder()
          .update(ScheduledVisitEntity)
          .set({ cancelledAt: this.clock.now(), cancelReason: 'consent for registry follow-up withdrawn' })
          .where('participant_id = :id AND cancelled_at IS NULL AND window_end >= :on', {
            id: participant.id,
            on: input.withdrawnOn,
          })
          .andWhere('NOT EXISTS (SELECT 1 FROM visit v WHERE v.scheduled_visit_id = scheduled_visit.id)')
          .execute();
        cancelledVisits = result.affected ?? 0;
      }
      await recordAuditedChange(
        manager,
        {
          action: 'consent.withdrawn',
          entityType: 'participant_consent',
          entityId: consent.id,
          siteId: participant.siteId,
          changes: [
            { field: 'withdrawnScopes', old: already, new: [...already, ...requested] },
            { field: 'withdrawnOn', old: null, new: input.withdrawnOn },
            ...(cancelledVisits
              ? [{ field: 'cancelledScheduledVisits', old: null, new: cancelledVisits }]
              : []),
          ],
          reason: input.reason,
        },
        participantChanged(participant.id, 'consent_withdrawn'),
      );
      return withdrawals;
    });
  }

  /** Refuses an action the participant's consent does not cover on `on`, naming the missing scope (409). */
  async requireScope(
    manager: EntityManager,
    participantId: string,
    scope: ConsentScope,
    on: string,
    action: string,
  ): Promise<void> {
    const [consents, withdrawals] = await this.load(manager, participantId);
    if (!scopesHeld(toGrants(consents, withdrawals), on).has(scope)) throw missingConsent(scope, action);
  }

  private async load(
    manager: EntityManager,
    participantId: string,
  ): Promise<[ParticipantConsentEntity[], ConsentWithdrawalEntity[]]> {
    const consents = await manager.find(ParticipantConsentEntity, {
      where: { participantId },
      order: { signedOn: 'ASC' },
    });
    const withdrawals = consents.length
      ? await manager.findBy(ConsentWithdrawalEntity, { participantConsentId: In(consents.map((c) => c.id)) })
      : [];
    return [consents, withdrawals];
  }
}

function toGrants(
  consents: ParticipantConsentEntity[],
  withdrawals: ConsentWithdrawalEntity[],
): ConsentGrant[] {
  return consents.map((consent) => ({
    scopes: consent.scopes,
    signedOn: consent.signedOn,
    withdrawnScopes: withdrawals
      .filter((w) => w.participantConsentId === consent.id)
      .map((w) => ({ scope: w.scope, withdrawnOn: w.withdrawnOn })),
  }));
}
