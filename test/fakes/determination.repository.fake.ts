import type { DeterminationToStore, FlagKind, FlagsToClose, FlagToRaise } from '@registry/domain';
import type { DeterminationRepository, Tx } from '@registry/persistence';
import type { Public } from './public';

/** An eligibility flag as the fake keeps it. */
export interface FakeFlag extends FlagToRaise {
  episode: number;
  /** Null while open. */
  closeReason: string | null;
}

/**
 * Keeps determinations, their history and flags. Like PostgreSQL's unique indexes, it raises no second open
 * flag of a participant, trial and kind, and numbers each new flag as the next episode.
 */
export class FakeDeterminationRepository implements Public<DeterminationRepository> {
  /** The stored determination of each participant and trial (key `participantId|trialId`). */
  readonly determinations = new Map<string, DeterminationToStore>();
  /** History rows (determinations whose result changed), in the order written. */
  readonly history: DeterminationToStore[] = [];
  readonly flags: FakeFlag[] = [];
  /** Each call's rows, so a test can tell that nothing was written. */
  readonly writes: { closeFlags: number; raiseFlags: number; storeDeterminations: number } = {
    closeFlags: 0,
    raiseFlags: 0,
    storeDeterminations: 0,
  };

  /** Each `judgeAgainBy` call: the day a participant's determination for a trial is to be judged again. */
  readonly judgedAgainBy: { participantId: string; trialId: string; day: string }[] = [];

  judgeAgainBy(_tx: Tx, participantId: string, trialId: string, day: string): Promise<void> {
    this.judgedAgainBy.push({ participantId, trialId, day });
    return Promise.resolve();
  }

  closeFlags(_tx: Tx, rows: readonly FlagsToClose[]): Promise<number> {
    this.writes.closeFlags += rows.length;
    let closed = 0;
    for (const row of rows)
      for (const flag of this.openFlags(row.participantId, row.trialId))
        if (flag.kind !== row.keep) {
          flag.closeReason = row.reason;
          closed += 1;
        }
    return Promise.resolve(closed);
  }

  raiseFlags(_tx: Tx, rows: readonly FlagToRaise[]): Promise<number> {
    this.writes.raiseFlags += rows.length;
    let raised = 0;
    for (const row of rows) {
      const same = this.flags.filter(
        (f) => f.participantId === row.participantId && f.trialId === row.trialId && f.kind === row.kind,
      );
      if (same.some((f) => f.closeReason === null)) continue;
      this.flags.push({ ...row, episode: Math.max(0, ...same.map((f) => f.episode)) + 1, closeReason: null });
      raised += 1;
    }
    return Promise.resolve(raised);
  }

  storeDeterminations(_tx: Tx, rows: readonly DeterminationToStore[]): Promise<void> {
    this.writes.storeDeterminations += rows.length;
    for (const row of rows) {
      const key = `${row.participantId}|${row.trialId}`;
      // A first determination is a plain INSERT: the primary key refuses it over a stored one, as here.
      if (!row.replacesStored && this.determinations.has(key))
        throw new Error(
          `duplicate key value violates unique constraint "eligibility_determination_pkey" (${key})`,
        );
      this.determinations.set(key, row);
      if (row.historyReasons !== null) this.history.push(row);
    }
    return Promise.resolve();
  }

  /** The participant's stored determination for the trial. */
  determinationOf(participantId: string, trialId: string): DeterminationToStore | undefined {
    return this.determinations.get(`${participantId}|${trialId}`);
  }

  /** The participant's open flags for the trial. */
  openFlags(participantId: string, trialId: string): FakeFlag[] {
    return this.flags.filter(
      (f) => f.participantId === participantId && f.trialId === trialId && f.closeReason === null,
    );
  }

  openFlagKinds(participantId: string, trialId: string): FlagKind[] {
    return this.openFlags(participantId, trialId).map((f) => f.kind);
  }
}
