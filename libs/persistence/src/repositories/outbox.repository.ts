import { Injectable } from '@nestjs/common';
import type { Tx } from './transactions';

/** An outbox event waiting to be relayed: its topic decides its job, its payload carries the ids. */
export interface PendingOutboxEvent {
  id: string;
  topic: string;
  payload: Record<string, unknown>;
}

/** A claimed event whose job could not be added in this pass. */
export interface OutboxFailure {
  id: string;
  error: string;
  /** The event can never become a job: it is set aside (`failed_at`) instead of retried. */
  permanent: boolean;
}

/** Longest `last_error` kept: enough to tell the cause, bounded whatever a driver puts in its message. */
const LAST_ERROR_LENGTH = 500;

/**
 * The outbox as the relay sees it: events committed by the API and the worker, claimed in batches, marked
 * published once their job is queued, or marked with the failure of the attempt.
 */
@Injectable()
export class OutboxRepository {
  /**
   * Locks up to `limit` unpublished events that are not set aside, oldest first, for the caller's transaction.
   * Rows another relay holds are skipped rather than waited for, so concurrent relays split the outbox.
   */
  claimBatch(tx: Tx, limit: number): Promise<PendingOutboxEvent[]> {
    return tx.query<PendingOutboxEvent[]>(
      `SELECT id::text, topic, payload FROM outbox_event
          WHERE published_at IS NULL AND failed_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
  }

  async markPublished(tx: Tx, ids: readonly string[], at: Date): Promise<void> {
    await tx.query(`UPDATE outbox_event SET published_at = $2 WHERE id = ANY($1::bigint[])`, [ids, at]);
  }

  /**
   * Counts an attempt on each failed event and keeps its error; a permanent failure also sets the event aside
   * (`failed_at = at`), so no later pass claims it.
   */
  async recordFailures(tx: Tx, failures: readonly OutboxFailure[], at: Date): Promise<void> {
    await tx.query(
      `UPDATE outbox_event o
              SET publish_attempts = o.publish_attempts + 1, last_error = f.error,
                  failed_at = CASE WHEN f.permanent THEN $4::timestamptz END
             FROM unnest($1::bigint[], $2::text[], $3::boolean[]) AS f(id, error, permanent)
            WHERE o.id = f.id`,
      [
        failures.map((f) => f.id),
        failures.map((f) => f.error.slice(0, LAST_ERROR_LENGTH)),
        failures.map((f) => f.permanent),
        at,
      ],
    );
  }

  /** Deletes events published more than `olderThanDays` days before `now`; returns how many. */
  async prunePublished(tx: Tx, olderThanDays: number, now: Date): Promise<number> {
    const [, deleted] = await tx.query<[unknown, number]>(
      `DELETE FROM outbox_event WHERE published_at < $2::timestamptz - make_interval(days => $1)`,
      [olderThanDays, now],
    );
    return deleted;
  }
}
