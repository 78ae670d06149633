/**
 * Clinical Dementia Rating: six boxes and the global score computed from them with the Washington University
 * algorithm (Morris, Neurology 1993;43:2412; scoring rules at knightadrc.wustl.edu, see facts.md section 3).
 */
export const CDR_SCORES = [0, 0.5, 1, 2, 3] as const;
export type CdrScore = (typeof CDR_SCORES)[number];

export interface CdrBoxes {
  memory: number;
  orientation: number;
  judgmentProblemSolving: number;
  communityAffairs: number;
  homeHobbies: number;
  /** Personal Care has no 0.5 level. */
  personalCare: number;
}

export const CDR_BOX_NAMES: (keyof CdrBoxes)[] = [
  'memory',
  'orientation',
  'judgmentProblemSolving',
  'communityAffairs',
  'homeHobbies',
  'personalCare',
];

export function cdrSumOfBoxes(boxes: CdrBoxes): number {
  return CDR_BOX_NAMES.reduce((sum, name) => sum + boxes[name], 0);
}

export function cdrGlobalScore(boxes: CdrBoxes): CdrScore {
  const m = boxes.memory;
  const secondary = [
    boxes.orientation,
    boxes.judgmentProblemSolving,
    boxes.communityAffairs,
    boxes.homeHobbies,
    boxes.personalCare,
  ];
  // M = 0: global 0 unless two or more secondary boxes show impairment (>= 0.5).
  if (m === 0) return secondary.filter((s) => s >= 0.5).length >= 2 ? 0.5 : 0;
  // M = 0.5: global 0.5, or 1 when at least three others are 1 or more.
  if (m === 0.5) return secondary.filter((s) => s >= 1).length >= 3 ? 1 : 0.5;

  const same = secondary.filter((s) => s === m).length;
  const above = secondary.filter((s) => s > m);
  const below = secondary.filter((s) => s < m);
  let global: number = m;
  if (same < 3 && (above.length >= 3 || below.length >= 3)) {
    const split32 = (above.length === 3 && below.length === 2) || (below.length === 3 && above.length === 2);
    if (!split32) global = majorityClosestTo(above.length >= 3 ? above : below, m);
  }
  // M >= 1: the global score is never 0.
  return (global === 0 ? 0.5 : global) as CdrScore;
}

/** The most frequent score; ties go to the score closest to memory. */
function majorityClosestTo(scores: number[], memory: number): number {
  const counts = new Map<number, number>();
  for (const score of scores) counts.set(score, (counts.get(score) ?? 0) + 1);
  return [...counts.entries()].sort(
    ([scoreA, countA], [scoreB, countB]) =>
      countB - countA || Math.abs(scoreA - memory) - Math.abs(scoreB - memory),
  )[0][0];
}
