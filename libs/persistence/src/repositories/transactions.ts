import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * The database connection a repository statement runs on: inside `Transactions.run` an open transaction,
 * inside `Transactions.read` the pool (each statement commits on its own). Services pass it from the runner
 * to the repositories and never look inside, so that a unit test can hand them a fake.
 */
export type Tx = EntityManager;

/**
 * Where services open transactions. Every repository method takes the `Tx` it runs on as its first argument:
 * a change and its audit row and outbox event share one, so they commit or roll back together. Abstract, so
 * that a unit test can provide a fake; the apps get `TypeOrmTransactions`.
 */
export abstract class Transactions {
  /** Runs `work` in one transaction (READ COMMITTED), committed when it resolves, rolled back when it throws. */
  abstract run<T>(work: (tx: Tx) => Promise<T>): Promise<T>;

  /**
   * Runs statements outside a transaction, each committing on its own: reads (each sees the latest committed
   * data), and single-statement writes that need nothing else to commit with them (ending a run, pruning).
   */
  abstract read<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
}

@Injectable()
export class TypeOrmTransactions extends Transactions {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
  }

  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  read<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return work(this.dataSource.manager);
  }
}
