import type { EventTopic } from '@registry/jobs';
import type { AuditEntry, AuditRepository, ChangeEvent, Tx } from '@registry/persistence';
import type { Public } from './public';
import { isTransaction } from './transactions.fake';

/** Keeps the audit rows and outbox events a service writes, for the test to read. */
export class FakeAuditRepository implements Public<AuditRepository> {
  readonly entries: AuditEntry[] = [];
  readonly events: ChangeEvent[] = [];
  /** The `Tx` each entry was written on (see FakeTransactions). */
  readonly writtenOn = new Map<AuditEntry, Tx>();

  record(tx: Tx, entry: AuditEntry): Promise<void> {
    // As the real writer, refuse to write the trail outside a transaction.
    if (!isTransaction(tx)) throw new Error(`audit "${entry.action}" must be written inside a transaction`);
    this.entries.push(entry);
    this.writtenOn.set(entry, tx);
    return Promise.resolve();
  }

  recordChange<T extends EventTopic>(tx: Tx, entry: AuditEntry, event: ChangeEvent<T>): Promise<void> {
    if (!isTransaction(tx)) throw new Error(`audit "${entry.action}" must be written inside a transaction`);
    this.entries.push(entry);
    this.writtenOn.set(entry, tx);
    this.events.push(event);
    return Promise.resolve();
  }

  /** The one entry with this action (fails the test when there is none or more). */
  only(action: string): AuditEntry {
    const found = this.entries.filter((entry) => entry.action === action);
    if (found.length !== 1) throw new Error(`expected one "${action}" audit entry, found ${found.length}`);
    return found[0];
  }
}
