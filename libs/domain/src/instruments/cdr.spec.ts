import { CdrBoxes, cdrGlobalScore, cdrSumOfBoxes } from './cdr';

const boxes = (memory: number, others: [number, number, number, number, number]): CdrBoxes => ({
  memory,
  orientation: others[0],
  judgmentProblemSolving: others[1],
  communityAffairs: others[2],
  homeHobbies: others[3],
  personalCare: others[4],
});

describe('CDR global score (Washington University algorithm)', () => {
  it.each([
    ['all normal', boxes(0, [0, 0, 0, 0, 0]), 0],
    ['M=0 with one impaired secondary box stays 0', boxes(0, [0.5, 0, 0, 0, 0]), 0],
    ['M=0 with two impaired secondary boxes is 0.5', boxes(0, [0.5, 0.5, 0, 0, 0]), 0.5],
    ['M=0.5 is at least 0.5 even when the rest are 0', boxes(0.5, [0, 0, 0, 0, 0]), 0.5],
    ['M=0.5 with three secondary boxes >= 1 is 1', boxes(0.5, [1, 1, 1, 0, 0]), 1],
    ['M=1 with three secondary equal is 1', boxes(1, [1, 1, 1, 2, 0]), 1],
    ['majority on one side decides', boxes(1, [2, 2, 2, 1, 0]), 2],
    ['three on one side, two on the other: memory decides', boxes(2, [3, 3, 3, 1, 1]), 2],
    ['ties on one side go to the score closest to memory', boxes(3, [2, 2, 1, 1, 3]), 2],
    ['M>=1 is never 0: majority 0 gives 0.5', boxes(1, [0, 0, 0, 0, 0]), 0.5],
    ['one or two equal and no more than two either side: memory', boxes(2, [2, 3, 3, 1, 1]), 2],
  ])('%s', (_, input, expected) => {
    expect(cdrGlobalScore(input)).toBe(expected);
  });

  it('sums the boxes', () => {
    expect(cdrSumOfBoxes(boxes(0.5, [0.5, 1, 0, 0.5, 0]))).toBe(2.5);
  });
});
