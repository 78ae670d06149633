import { Injectable } from '@nestjs/common';
import type { CalendarDate, ConsentGrant, ConsentScope } from '@registry/domain';
import { In } from 'typeorm';
import {
  ConsentDocumentEntity,
  ConsentWithdrawalEntity,
  ParticipantConsentEntity,
} from '../entities/consent.entity';
import { uniqueViolation } from '../errors';
import type { Tx } from './transactions';

export interface NewConsentDocument {
  title: string;
  version: string;
  language: string;
  effectiveDate: CalendarDate;
  scopes: ConsentScope[];
}

export interface NewConsent {
  participantId: string;
  consentDocumentId: string;
  signedOn: CalendarDate;
  scopes: ConsentScope[];
}

export interface NewWithdrawal {
  participantConsentId: string;
  scope: ConsentScope;
  withdrawnOn: CalendarDate;
  reason: string;
}

/** Every consent a participant signed (oldest first) and every scope withdrawn from them. */
export interface ConsentHistory {
  consents: ParticipantConsentEntity[];
  withdrawals: ConsentWithdrawalEntity[];
}

/** Consent documents, the consents participants signed, and the scopes they withdrew (never deleted). */
@Injectable()
export class ConsentRepository {
  listDocuments(tx: Tx): Promise<ConsentDocumentEntity[]> {
    return tx.getRepository(ConsentDocumentEntity).find({ order: { title: 'ASC', effectiveDate: 'DESC' } });
  }

  findDocument(tx: Tx, documentId: string): Promise<ConsentDocumentEntity | null> {
    return tx.findOneBy(ConsentDocumentEntity, { id: documentId });
  }

  /** Stores a document version; 'version_exists' when its title, version and language are taken. */
  async insertDocument(
    tx: Tx,
    document: NewConsentDocument,
  ): Promise<ConsentDocumentEntity | 'version_exists'> {
    try {
      // A savepoint, so that a refused version leaves the caller's transaction usable.
      return await tx.transaction((inner) => inner.save(inner.create(ConsentDocumentEntity, document)));
    } catch (error) {
      if (uniqueViolation(error) === 'consent_document_version_key') return 'version_exists';
      throw error;
    }
  }

  insertConsent(tx: Tx, consent: NewConsent): Promise<ParticipantConsentEntity> {
    return tx.save(tx.create(ParticipantConsentEntity, consent));
  }

  findConsent(tx: Tx, participantId: string, consentId: string): Promise<ParticipantConsentEntity | null> {
    return tx.findOneBy(ParticipantConsentEntity, { id: consentId, participantId });
  }

  insertWithdrawals(tx: Tx, withdrawals: NewWithdrawal[]): Promise<ConsentWithdrawalEntity[]> {
    return tx.save(withdrawals.map((withdrawal) => tx.create(ConsentWithdrawalEntity, withdrawal)));
  }

  /** The participant's consents as grants the domain reads (`scopesHeld`). */
  async grantsOf(tx: Tx, participantId: string): Promise<ConsentGrant[]> {
    return consentGrantsOf(await this.historyOf(tx, participantId));
  }

  async historyOf(tx: Tx, participantId: string): Promise<ConsentHistory> {
    const consents = await tx.find(ParticipantConsentEntity, {
      where: { participantId },
      order: { signedOn: 'ASC' },
    });
    const withdrawals = consents.length
      ? await tx.findBy(ConsentWithdrawalEntity, { participantConsentId: In(consents.map((c) => c.id)) })
      : [];
    return { consents, withdrawals };
  }
}

/** Consents and their withdrawals as the grants the domain reads (`scopesHeld`). */
export function consentGrantsOf({ consents, withdrawals }: ConsentHistory): ConsentGrant[] {
  return consents.map((consent) => ({
    scopes: consent.scopes,
    signedOn: consent.signedOn,
    withdrawnScopes: withdrawals
      .filter((w) => w.participantConsentId === consent.id)
      .map((w) => ({ scope: w.scope, withdrawnOn: w.withdrawnOn })),
  }));
}
