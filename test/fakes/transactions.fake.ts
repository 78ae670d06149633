import type { Transactions, Tx } from '@registry/persistence';
import { FAKE_TX } from './public';

/**
 * Runs the work at once with a fake transaction. It does not roll back: a unit test proves what a service
 * asks of its repositories; that PostgreSQL commits them together is proven by the end-to-end suite.
 */
export class FakeTransactions implements Transactions {
  /** How many transactions were opened, so a test can tell a read from a write. */
  opened = 0;

  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    this.opened += 1;
    return work(FAKE_TX);
  }

  read<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return work(FAKE_TX);
  }
}
