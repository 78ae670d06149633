import type { Transactions, Tx } from '@registry/persistence';

/** What a fake `Tx` is: one per transaction opened, or the pool's for statements outside any. */
export interface FakeTx {
  readonly transaction: number | null;
}

/** The connection `read` hands out: statements outside any transaction. */
export const POOL_TX = Object.freeze({ transaction: null }) as FakeTx as unknown as Tx;

/** Whether a fake `Tx` is an open transaction (not the pool). */
export const isTransaction = (tx: Tx): boolean => (tx as unknown as FakeTx).transaction !== null;

/**
 * Runs the work at once, with a token of its own for each transaction and one for the pool, so that a test
 * can tell which statements shared a transaction (fakes that record their `tx` make this visible). It does
 * not roll back: a unit test proves what a service asks of its repositories; that PostgreSQL commits them
 * together is proven by the end-to-end suite.
 */
export class FakeTransactions implements Transactions {
  /** How many transactions were opened. */
  opened = 0;

  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    this.opened += 1;
    return work(Object.freeze({ transaction: this.opened }) as FakeTx as unknown as Tx);
  }

  read<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return work(POOL_TX);
  }
}
