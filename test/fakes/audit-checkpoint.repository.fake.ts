import type { AuditCheckpointRepository, CheckpointOutcome, Tx } from '@registry/persistence';
import type { Public } from './public';

/**
 * The head of the audit chain and the checkpoints signed of it: one per head, as the unique key on
 * `head_event_id`. The signature is a stand-in; signing is tested with the real function.
 */
export class FakeAuditCheckpointRepository implements Public<AuditCheckpointRepository> {
  head: { id: string; hash: string } | null = null;
  readonly checkpoints: {
    id: string;
    headEventId: string;
    headHash: string;
    createdAt: Date;
    key: string;
  }[] = [];

  write(_tx: Tx, key: string, now: Date): Promise<CheckpointOutcome> {
    const head = this.head;
    if (!head) return Promise.resolve({ status: 'skipped', reason: 'empty_trail' });
    if (this.checkpoints.some((checkpoint) => checkpoint.headEventId === head.id))
      return Promise.resolve({ status: 'skipped', reason: 'head_unchanged' });
    const checkpoint = {
      id: String(this.checkpoints.length + 1),
      headEventId: head.id,
      headHash: head.hash,
      createdAt: now,
      key,
    };
    this.checkpoints.push(checkpoint);
    const { id, headEventId, headHash, createdAt } = checkpoint;
    return Promise.resolve({
      status: 'written',
      checkpoint: { id, headEventId, headHash, createdAt, signature: `signed-with-${key}` },
    });
  }
}
