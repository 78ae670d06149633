import type { PartitionRange } from '@registry/persistence';

/**
 * How many partitions a cohort run walking `walked` participants is split into: one per `size` participants
 * (rounded up), at least 1 and at most `most`. A run under `size` stays one partition, walked by its own job
 * as an unsplit run was.
 */
export function partitionCount(walked: number, settings: { most: number; size: number }): number {
  const wanted = Math.ceil(Math.max(0, walked) / Math.max(1, settings.size));
  return Math.min(Math.max(1, settings.most), Math.max(1, wanted));
}

/**
 * The ranges whose last ids are `throughs` (lowest first, as `cohortPartitionBounds` gives them), covering
 * every participant id exactly once: the first is open below, the last open above (participants added after
 * the split fall into one of them), and each starts after the one before ends. No bounds: one range, all.
 */
export function partitionRanges(throughs: readonly string[]): PartitionRange[] {
  if (throughs.length <= 1) return [{ afterId: null, throughId: null }];
  return throughs.map((through, index) => ({
    afterId: index === 0 ? null : throughs[index - 1],
    throughId: index === throughs.length - 1 ? null : through,
  }));
}
