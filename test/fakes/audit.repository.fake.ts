import type { EventTopic } from '@registry/jobs';
import type { AuditEntry, AuditRepository, ChangeEvent, Tx } from '@registry/persistence';
import type { Public } from './public';

/** Keeps the audit rows and outbox events a service writes, for the test to read. */
export class FakeAuditRepository implements Public<AuditRepository> {
  readonly entries: AuditEntry[] = [];
  readonly events: ChangeEvent[] = [];

  record(_tx: Tx, entry: AuditEntry): Promise<void> {
    this.entries.push(entry);
    return Promise.resolve();
  }

  recordChange<T extends EventTopic>(_tx: Tx, entry: AuditEntry, event: ChangeEvent<T>): Promise<void> {
    this.entries.push(entry);
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
