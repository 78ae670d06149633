import { Injectable } from '@nestjs/common';
import {
  CalendarDate,
  ConsentScope,
  hasHappenedBy,
  participantStatusesWhenReferralClosed,
  referralsEndWithConsent,
  scopesHeld,
} from '@registry/domain';
import {
  AuditRepository,
  ConsentDocumentEntity,
  consentGrantsOf,
  ConsentHistory,
  ConsentRepository,
  ConsentWithdrawalEntity,
  ParticipantConsentEntity,
  participantChanged,
  ParticipantRepository,
  ReferralRepository,
  ScheduleRepository,
  Transactions,
  Tx,
} from '@registry/persistence';
import { Clock, DomainError, ErrorKind, notFound } from '@registry/platform';
import type { Actor } from '../auth/actor';
import { ParticipantAccess } from '../participants/participant-access';
import { invalidField, missingConsent } from '../participants/participant-errors';
import { followReferralStatus } from '../referrals/referral-status';
import { SiteToday } from '../sites/site-today';
import type { CreateConsentDocumentDto, RecordConsentDto, WithdrawConsentDto } from './consent.dto';

@Injectable()
export class ConsentsService {
  constructor(
    private readonly transactions: Transactions,
    private readonly consents: ConsentRepository,
    private readonly schedule: ScheduleRepository,
    private readonly audit: AuditRepository,
    private readonly access: ParticipantAccess,
    private readonly siteToday: SiteToday,
    private readonly clock: Clock,
    private readonly referrals: ReferralRepository,
    private readonly participants: ParticipantRepository,
  ) {}

  listDocuments(): Promise<ConsentDocumentEntity[]> {
    return this.transactions.read((tx) => this.consents.listDocuments(tx));
  }

  createDocument(input: CreateConsentDocumentDto): Promise<ConsentDocumentEntity> {
    return this.transactions.run(async (tx) => {
      const document = await this.consents.insertDocument(tx, input);
      if (document === 'version_exists') {
        throw new DomainError(
          ErrorKind.Conflict,
          'consent_document.version_exists',
          'This title, version and language exist already',
        );
      }
      await this.audit.record(tx, {
        action: 'consent_document.created',
        entityType: 'consent_document',
        entityId: document.id,
        changes: Object.entries(input).map(([field, value]) => ({ field, old: null, new: value as unknown })),
      });
      return document;
    });
  }

  status(actor: Actor, participantId: string) {
    return this.transactions.read(async (tx) => {
      const participant = await this.access.visible(tx, actor, participantId);
      const history = await this.consents.historyOf(tx, participant.id);
      const today = await this.siteToday.at(tx, participant.siteId);
      return {
        scopesHeld: [...scopesHeld(consentGrantsOf(history), today)].sort(),
        consents: history.consents,
        withdrawals: history.withdrawals,
      };
    });
  }

  record(actor: Actor, participantId: string, input: RecordConsentDto): Promise<ParticipantConsentEntity> {
    return this.transactions.run(async (tx) => {
      const participant = await this.access.writable(tx, actor, participantId);
      if (!hasHappenedBy(input.signedOn, await this.siteToday.at(tx, participant.siteId)))
        throw invalidField('signedOn', 'notInFuture', 'signedOn is in the future at the site');
      const document = await this.consents.findDocument(tx, input.consentDocumentId);
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
      const consent = await this.consents.insertConsent(tx, {
        participantId: participant.id,
        consentDocumentId: document.id,
        signedOn: input.signedOn,
        scopes: input.scopes,
      });
      await this.audit.recordChange(
        tx,
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
  withdraw(
    actor: Actor,
    participantId: string,
    consentId: string,
    input: WithdrawConsentDto,
  ): Promise<ConsentWithdrawalEntity[]> {
    return this.transactions.run(async (tx) => {
      const participant = await this.access.writable(tx, actor, participantId);
      // Withdrawal takes effect at once; a date ahead would leave the scopes held until then.
      const today = await this.siteToday.at(tx, participant.siteId);
      if (!hasHappenedBy(input.withdrawnOn, today))
        throw invalidField('withdrawnOn', 'notInFuture', 'withdrawnOn is in the future at the site');
      const consent = await this.consents.findConsent(tx, participant.id, consentId);
      if (!consent) throw notFound('Consent');
      const before = await this.consents.historyOf(tx, participant.id);
      const already = before.withdrawals
        .filter((withdrawal) => withdrawal.participantConsentId === consent.id)
        .map((withdrawal) => withdrawal.scope);
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

      const withdrawals = await this.consents.insertWithdrawals(
        tx,
        requested.map((scope) => ({
          participantConsentId: consent.id,
          scope,
          withdrawnOn: input.withdrawnOn,
          reason: input.reason,
        })),
      );
      const after: ConsentHistory = {
        consents: before.consents,
        withdrawals: [...before.withdrawals, ...withdrawals],
      };
      const cancelledVisits = scopesHeld(consentGrantsOf(after), input.withdrawnOn).has(
        ConsentScope.RegistryFollowUp,
      )
        ? 0
        : await this.schedule.cancelUnattendedFrom(
            tx,
            participant.id,
            input.withdrawnOn,
            this.clock.now(),
            'consent for registry follow-up withdrawn',
          );
      // Withdrawal takes effect at once for referrals: without recontact consent, none goes on.
      const referralsEnd = referralsEndWithConsent(scopesHeld(consentGrantsOf(after), today));
      const referralsClosed = referralsEnd
        ? await this.referrals.closeOpenOfParticipant(tx, participant.id, referralsEnd)
        : 0;
      // A referred person whose referral ended here returns to follow-up (audited as its own change).
      if (referralsClosed > 0)
        await followReferralStatus(
          tx,
          { participants: this.participants, audit: this.audit },
          participant,
          participantStatusesWhenReferralClosed,
          today,
          `referral closed: ${referralsEnd}`,
        );
      await this.audit.recordChange(
        tx,
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
            ...(referralsClosed ? [{ field: 'openReferralsClosed', old: null, new: referralsClosed }] : []),
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
    tx: Tx,
    participantId: string,
    scope: ConsentScope,
    on: CalendarDate,
    action: string,
  ): Promise<void> {
    const history = await this.consents.historyOf(tx, participantId);
    if (!scopesHeld(consentGrantsOf(history), on).has(scope)) throw missingConsent(scope, action);
  }
}
