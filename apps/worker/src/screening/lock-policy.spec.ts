import { lockOnlyWhereWritten } from './lock-policy';

const outcome = (participantsWritten: number) => ({
  evaluated: 10_000,
  participantsWritten,
  changed: participantsWritten * 10,
  flagsRaised: 0,
  flagsClosed: 0,
});

describe('lockOnlyWhereWritten', () => {
  it('keeps locking only the participants written while few are written (a re-screen)', () => {
    expect(lockOnlyWhereWritten(outcome(0), 1000)).toBe(true);
    expect(lockOnlyWhereWritten(outcome(249), 1000)).toBe(true);
  });

  it('locks everyone up front once a quarter or more of a batch was written (a first screen)', () => {
    expect(lockOnlyWhereWritten(outcome(250), 1000)).toBe(false);
    expect(lockOnlyWhereWritten(outcome(1000), 1000)).toBe(false);
  });
});
