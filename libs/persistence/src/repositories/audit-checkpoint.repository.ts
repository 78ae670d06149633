import { Injectable } from '@nestjs/common';
import { CheckpointOutcome, writeAuditCheckpoint } from '../audit/audit-checkpoint';
import type { Tx } from './transactions';

/** Signed checkpoints of the audit chain's head (`audit_checkpoint`), written by the worker on a schedule. */
@Injectable()
export class AuditCheckpointRepository {
  /** Signs the chain's current head as of `now`, unless the newest checkpoint names it already. */
  write(tx: Tx, key: string, now: Date): Promise<CheckpointOutcome> {
    return writeAuditCheckpoint(tx, key, now);
  }
}
