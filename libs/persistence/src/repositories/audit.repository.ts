import { Injectable } from '@nestjs/common';
import { AuditEntry, recordAudit } from '../audit/audit-writer';
import { ChangeEvent, recordAuditedChange } from '../audit/audited-change';
import type { EventTopic } from '@registry/jobs';
import type { Tx } from './transactions';

/**
 * The audit trail's write side as services see it: a row for what was done, and for a change that others
 * react to, the row and its outbox event together. Both refuse to be written outside a transaction.
 */
@Injectable()
export class AuditRepository {
  record(tx: Tx, entry: AuditEntry): Promise<void> {
    return recordAudit(tx, entry);
  }

  recordChange<T extends EventTopic>(tx: Tx, entry: AuditEntry, event: ChangeEvent<T>): Promise<void> {
    return recordAuditedChange(tx, entry, event);
  }
}
