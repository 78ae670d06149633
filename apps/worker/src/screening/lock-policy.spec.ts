import { batchLockingAfter } from './lock-policy';

const outcome = (participantsWritten: number) => ({
  evaluated: 10_000,
  participantsWritten,
  changed: participantsWritten * 10,
  flagsRaised: 0,
  flagsClosed: 0,
});

describe('batchLockingAfter', () => {
  it('keeps locking only the participants written while few are written (a re-screen)', () => {
    expect(batchLockingAfter(outcome(0), 1000)).toBe('judge-then-lock-writers');
    expect(batchLockingAfter(outcome(249), 1000)).toBe('judge-then-lock-writers');
  });

  it('locks everyone up front once a quarter or more of a batch was written (a first screen)', () => {
    expect(batchLockingAfter(outcome(250), 1000)).toBe('lock-all');
    expect(batchLockingAfter(outcome(1000), 1000)).toBe('lock-all');
  });
});
