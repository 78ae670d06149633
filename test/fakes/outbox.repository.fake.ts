import type { OutboxFailure, OutboxRepository, PendingOutboxEvent, Tx } from '@registry/persistence';
import type { Public } from './public';

/** One outbox row as the fake keeps it: the columns the relay reads and writes. */
export interface FakeOutboxRow extends PendingOutboxEvent {
  publishedAt: Date | null;
  failedAt: Date | null;
  publishAttempts: number;
  lastError: string | null;
}

/** The outbox as rows in id order; a claim takes the oldest unpublished rows not set aside, as the real one. */
export class FakeOutboxRepository implements Public<OutboxRepository> {
  readonly rows: FakeOutboxRow[] = [];
  private nextId = 1;

  /** Commits an event to the outbox, as the API does; returns its id. */
  add(
    topic: string,
    payload: Record<string, unknown>,
    publishedAt: Date | null = null,
    occurredAt = new Date('2027-01-01T00:00:00Z'),
  ): string {
    const id = String(this.nextId++);
    this.rows.push({
      id,
      topic,
      payload,
      occurredAt,
      publishedAt,
      failedAt: null,
      publishAttempts: 0,
      lastError: null,
    });
    return id;
  }

  row(id: string): FakeOutboxRow {
    const row = this.rows.find((candidate) => candidate.id === id);
    if (!row) throw new Error(`no outbox row ${id}`);
    return row;
  }

  /** The `Tx` of each claim and of each marking published, in order. */
  readonly claimedOn: Tx[] = [];
  readonly publishedOn: Tx[] = [];

  claimBatch(tx: Tx, limit: number): Promise<PendingOutboxEvent[]> {
    this.claimedOn.push(tx);
    const pending = this.rows.filter((row) => row.publishedAt === null && row.failedAt === null);
    return Promise.resolve(
      pending
        .slice(0, limit)
        .map(({ id, topic, payload, occurredAt }) => ({ id, topic, payload, occurredAt })),
    );
  }

  markPublished(tx: Tx, ids: readonly string[], at: Date): Promise<void> {
    this.publishedOn.push(tx);
    for (const id of ids) this.row(id).publishedAt = at;
    return Promise.resolve();
  }

  recordFailures(_tx: Tx, failures: readonly OutboxFailure[], at: Date): Promise<void> {
    for (const failure of failures) {
      const row = this.row(failure.id);
      row.publishAttempts += 1;
      row.lastError = failure.error.slice(0, 500);
      row.failedAt = failure.permanent ? at : null;
    }
    return Promise.resolve();
  }

  lag(): Promise<{ unpublished: number; oldestUnpublishedSeconds: number; setAside: number }> {
    const waiting = this.rows.filter((row) => row.publishedAt === null && row.failedAt === null);
    return Promise.resolve({
      unpublished: waiting.length,
      oldestUnpublishedSeconds: 0,
      setAside: this.rows.filter((row) => row.failedAt !== null).length,
    });
  }

  prunePublished(_tx: Tx, olderThanDays: number, now: Date): Promise<number> {
    const cutoff = now.getTime() - olderThanDays * 24 * 60 * 60 * 1000;
    const kept = this.rows.filter((row) => row.publishedAt === null || row.publishedAt.getTime() >= cutoff);
    const deleted = this.rows.length - kept.length;
    this.rows.splice(0, this.rows.length, ...kept);
    return Promise.resolve(deleted);
  }
}
