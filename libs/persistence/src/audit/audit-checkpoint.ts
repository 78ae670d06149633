import { createHmac, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from 'typeorm';

/** What a checkpoint signs; the version prefix lets the format change without old signatures passing as new. */
export interface CheckpointClaim {
  headEventId: string;
  headHash: string;
  createdAt: Date;
}

export function signCheckpoint(key: string, claim: CheckpointClaim): string {
  const message = ['audit-checkpoint/v1', claim.headEventId, claim.headHash, claim.createdAt.toISOString()];
  return createHmac('sha256', key).update(message.join('\n')).digest('hex');
}

function signatureMatches(key: string, claim: CheckpointClaim, signature: string): boolean {
  const expected = Buffer.from(signCheckpoint(key, claim), 'hex');
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export type CheckpointOutcome =
  | { status: 'written'; checkpoint: CheckpointClaim & { id: string; signature: string } }
  | { status: 'skipped'; reason: 'empty_trail' | 'head_unchanged' };

/** A DataSource, or the EntityManager of a repository call: writing a checkpoint only runs statements. */
type Statements = Pick<EntityManager, 'query'>;

/**
 * Signs the current head of the audit chain into `audit_checkpoint`, unless the newest checkpoint already
 * names it, signed as made at `now` (the caller's clock). Called by the worker's scheduled job and callable directly (tests, an operator's script).
 */
export async function writeAuditCheckpoint(
  dataSource: Statements,
  key: string,
  now: Date,
): Promise<CheckpointOutcome> {
  // Ordered by the bigint column (a.id), not by the text alias, which would put '9' after '10'.
  const [head] = await dataSource.query<{ id: string; hash: string }[]>(
    `SELECT a.id::text AS id, a.hash FROM audit_event a ORDER BY a.id DESC LIMIT 1`,
  );
  if (!head) return { status: 'skipped', reason: 'empty_trail' };
  // Milliseconds only: what is signed must survive the round trip through timestamptz and back to a Date.
  const claim: CheckpointClaim = {
    headEventId: head.id,
    headHash: head.hash,
    createdAt: new Date(now.getTime()),
  };
  const signature = signCheckpoint(key, claim);
  const inserted = await dataSource.query<{ id: string }[]>(
    `INSERT INTO audit_checkpoint (head_event_id, head_hash, created_at, signature) VALUES ($1, $2, $3, $4)
     ON CONFLICT (head_event_id) DO NOTHING RETURNING id::text AS id`,
    [claim.headEventId, claim.headHash, claim.createdAt, signature],
  );
  if (inserted.length === 0) return { status: 'skipped', reason: 'head_unchanged' };
  return { status: 'written', checkpoint: { id: inserted[0].id, ...claim, signature } };
}

export type CheckpointProblem = 'signature_invalid' | 'head_missing' | 'head_hash_mismatch';

export interface AuditCheckpointReport {
  valid: boolean;
  /** Checkpoints whose signature and head were checked (all of them, unless one failed). */
  checked: number;
  /** The first checkpoint that does not hold: forged, or its head row was deleted or rewritten. */
  firstInvalid?: { id: string; problem: CheckpointProblem };
  /** The newest checkpoint; rows after its head are protected by the hash chain alone. */
  newest?: { id: string; headEventId: string; createdAt: string };
}

const BATCH = 5000;

/**
 * Checks every checkpoint: its signature under the key, and that its head row still exists with the signed
 * hash. A rewrite of the trail at or before a checkpoint's head (even with the chain recomputed after it)
 * changes that head's hash; cutting the newest rows removes the head.
 */
export async function verifyAuditCheckpoints(
  db: Pick<EntityManager, 'query'>,
  key: string,
): Promise<AuditCheckpointReport> {
  let afterId = '0';
  let checked = 0;
  let newest: AuditCheckpointReport['newest'];
  for (;;) {
    const rows = await db.query<
      {
        id: string;
        head_event_id: string;
        head_hash: string;
        created_at: Date;
        signature: string;
        current_hash: string | null;
      }[]
    >(
      `SELECT c.id::text AS id, c.head_event_id::text AS head_event_id, c.head_hash, c.created_at, c.signature,
              a.hash AS current_hash
         FROM audit_checkpoint c LEFT JOIN audit_event a ON a.id = c.head_event_id
        WHERE c.id > $1 ORDER BY c.id LIMIT $2`,
      [afterId, BATCH],
    );
    for (const row of rows) {
      const claim = { headEventId: row.head_event_id, headHash: row.head_hash, createdAt: row.created_at };
      const problem: CheckpointProblem | null = !signatureMatches(key, claim, row.signature)
        ? 'signature_invalid'
        : row.current_hash === null
          ? 'head_missing'
          : row.current_hash !== row.head_hash
            ? 'head_hash_mismatch'
            : null;
      if (problem) return { valid: false, checked, firstInvalid: { id: row.id, problem } };
      checked++;
      newest = { id: row.id, headEventId: row.head_event_id, createdAt: row.created_at.toISOString() };
    }
    if (rows.length < BATCH) return { valid: true, checked, ...(newest ? { newest } : {}) };
    afterId = rows[rows.length - 1].id;
  }
}
