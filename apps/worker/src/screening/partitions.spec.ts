import { partitionCount, partitionRanges } from './partitions';

describe('partitionCount', () => {
  const settings = { most: 16, size: 50_000 };

  it('keeps a run of up to one partition size whole, and an empty one too', () => {
    expect(partitionCount(0, settings)).toBe(1);
    expect(partitionCount(1, settings)).toBe(1);
    expect(partitionCount(50_000, settings)).toBe(1);
  });

  it('gives one partition per partition size walked, rounded up', () => {
    expect(partitionCount(50_001, settings)).toBe(2);
    expect(partitionCount(100_000, settings)).toBe(2);
    expect(partitionCount(120_000, settings)).toBe(3);
  });

  it('never more than the most allowed, and SCREENING_PARTITIONS=1 never splits', () => {
    expect(partitionCount(1_000_000, settings)).toBe(16);
    expect(partitionCount(1_000_000, { most: 1, size: 50_000 })).toBe(1);
  });
});

describe('partitionRanges', () => {
  it('one range, open at both ends, without bounds or with one', () => {
    expect(partitionRanges([])).toEqual([{ afterId: null, throughId: null }]);
    expect(partitionRanges(['TKY-000009-X'])).toEqual([{ afterId: null, throughId: null }]);
  });

  it('ranges that follow one another, open below the first and above the last', () => {
    expect(partitionRanges(['A-3', 'A-6', 'A-9'])).toEqual([
      { afterId: null, throughId: 'A-3' },
      { afterId: 'A-3', throughId: 'A-6' },
      { afterId: 'A-6', throughId: null },
    ]);
  });
});
