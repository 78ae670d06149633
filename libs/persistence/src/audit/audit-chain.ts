import type { EntityManager } from 'typeorm';

export interface AuditChainReport {
  valid: boolean;
  /** Rows whose hash and link were recomputed. */
  checked: number;
  /** The first row whose stored hash or link does not match; later rows are not trusted either. */
  firstBrokenLink?: { id: string; problem: 'hash_mismatch' | 'link_mismatch' };
}

const GENESIS = '0'.repeat(64);
const BATCH = 5000;

/**
 * Recomputes the chain from the first row: each row's hash over its own fields and its predecessor's hash.
 * An edited row fails its own hash; a deleted or inserted row breaks the link of the row after it.
 */
export async function verifyAuditChain(db: Pick<EntityManager, 'query'>): Promise<AuditChainReport> {
  let previousHash = GENESIS;
  let afterId = '0';
  let checked = 0;
  for (;;) {
    const rows = await db.query<{ id: string; prev_hash: string; hash: string; recomputed: string }[]>(
      `SELECT a.id::text AS id, prev_hash, hash, audit_event_row_hash(a) AS recomputed
         FROM audit_event a WHERE a.id > $1 ORDER BY a.id LIMIT $2`,
      [afterId, BATCH],
    );
    for (const row of rows) {
      if (row.prev_hash !== previousHash) {
        return { valid: false, checked, firstBrokenLink: { id: row.id, problem: 'link_mismatch' } };
      }
      if (row.recomputed !== row.hash) {
        return { valid: false, checked, firstBrokenLink: { id: row.id, problem: 'hash_mismatch' } };
      }
      previousHash = row.hash;
      checked++;
    }
    if (rows.length < BATCH) return { valid: true, checked };
    afterId = rows[rows.length - 1].id;
  }
}
