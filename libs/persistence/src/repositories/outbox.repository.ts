import { Injectable } from '@nestjs/common';
import type { Tx } from './transactions';

/** An outbox event waiting to be relayed: its topic decides its job, its payload carries the ids. */
export interface PendingOutboxEvent {
  id: string;
  topic: string;
  payload: Record<string, unknown>;
  /** When the change that wrote the event was made (its transaction's time). */
  occurredAt: Date;
}

/** How far the relay is behind: what waits to be queued, and for how long the oldest has waited. */
export interface OutboxLag {
  unpublished: number;
  /** Seconds since the oldest unpublished event occurred, at the database's clock; 0 when none waits. */
  oldestUnpublishedSeconds: number;
  /** Events set aside as unroutable (failed_at), which no relay will retry. */
  setAside: number;
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
      `SELECT id::text, topic, payload, occurred_at AS "occurredAt" FROM outbox_event
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

  /**
   * The relay's lag, for the metrics. The unpublished rows are found through their partial index; the set-aside
   * ones are few (each is a bug to look at).
   */
  async lag(tx: Tx): Promise<OutboxLag> {
    const [row] = await tx.query<{ unpublished: number; oldest: number | null; set_aside: number }[]>(
      `SELECT count(*) FILTER (WHERE failed_at IS NULL)::int AS unpublished,
              extract(epoch FROM now() - min(occurred_at) FILTER (WHERE failed_at IS NULL))::float8 AS oldest,
              count(*) FILTER (WHERE failed_at IS NOT NULL)::int AS set_aside
         FROM outbox_event WHERE published_at IS NULL`,
    );
    return {
      unpublished: row.unpublished,
      oldestUnpublishedSeconds: Math.max(0, row.oldest ?? 0),
      setAside: row.set_aside,
    };
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
