import type { BatchLocking, ScreeningOutcome } from './screening.service';

/**
 * How a cohort batch should lock, judged from the batch before. A re-screen mostly confirms what is stored:
 * an unlocked pass finds the few with writes, and only they are locked and read again. When most of a batch
 * is written (a first screen, or a criteria change that moves many people), that second read doubles the
 * work, so the next batch locks everyone up front instead.
 */
export function batchLockingAfter(previous: ScreeningOutcome, batchSize: number): BatchLocking {
  return previous.participantsWritten * 4 < batchSize ? 'judge-then-lock-writers' : 'lock-all';
}
