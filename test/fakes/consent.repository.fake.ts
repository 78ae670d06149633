import type { ConsentGrant } from '@registry/domain';
import { consentGrantsOf } from '@registry/persistence';
import type {
  ConsentDocumentEntity,
  ConsentHistory,
  ConsentRepository,
  ConsentWithdrawalEntity,
  NewConsent,
  NewConsentDocument,
  NewWithdrawal,
  ParticipantConsentEntity,
  Tx,
} from '@registry/persistence';
import { fakeId, Public } from './public';

export class FakeConsentRepository implements Public<ConsentRepository> {
  readonly documents: ConsentDocumentEntity[] = [];
  readonly consents: ParticipantConsentEntity[] = [];
  readonly withdrawals: ConsentWithdrawalEntity[] = [];

  listDocuments(_tx: Tx): Promise<ConsentDocumentEntity[]> {
    return Promise.resolve([...this.documents]);
  }

  findDocument(_tx: Tx, documentId: string): Promise<ConsentDocumentEntity | null> {
    return Promise.resolve(this.documents.find((document) => document.id === documentId) ?? null);
  }

  insertDocument(_tx: Tx, document: NewConsentDocument): Promise<ConsentDocumentEntity | 'version_exists'> {
    const taken = this.documents.some(
      (d) => d.title === document.title && d.version === document.version && d.language === document.language,
    );
    if (taken) return Promise.resolve('version_exists');
    const stored = { id: fakeId(), createdAt: new Date(0), ...document };
    this.documents.push(stored);
    return Promise.resolve(stored);
  }

  insertConsent(_tx: Tx, consent: NewConsent): Promise<ParticipantConsentEntity> {
    const stored = { id: fakeId(), recordedAt: new Date(0), ...consent };
    this.consents.push(stored);
    return Promise.resolve(stored);
  }

  findConsent(_tx: Tx, participantId: string, consentId: string): Promise<ParticipantConsentEntity | null> {
    return Promise.resolve(
      this.consents.find((c) => c.id === consentId && c.participantId === participantId) ?? null,
    );
  }

  insertWithdrawals(_tx: Tx, withdrawals: NewWithdrawal[]): Promise<ConsentWithdrawalEntity[]> {
    const stored = withdrawals.map((withdrawal) => ({
      id: fakeId(),
      recordedAt: new Date(0),
      ...withdrawal,
    }));
    this.withdrawals.push(...stored);
    return Promise.resolve(stored);
  }

  async grantsOf(tx: Tx, participantId: string): Promise<ConsentGrant[]> {
    return consentGrantsOf(await this.historyOf(tx, participantId));
  }

  historyOf(_tx: Tx, participantId: string): Promise<ConsentHistory> {
    const consents = this.consents
      .filter((c) => c.participantId === participantId)
      .sort((a, b) => a.signedOn.localeCompare(b.signedOn));
    const ids = new Set(consents.map((c) => c.id));
    return Promise.resolve({
      consents,
      withdrawals: this.withdrawals.filter((w) => ids.has(w.participantConsentId)),
    });
  }
}
