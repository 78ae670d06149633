import { isSuppressed, PublishedCount } from './disclosure-control';

// Test support (not exported by the library): whether a reader of a response could work out a suppressed
// count exactly, from the linear identities that bind the response's counts.

// Counts are whole numbers and the identities' coefficients small rationals (mostly 0 and ±1): anything
// below this after elimination is floating-point residue, not a coefficient.
const EPSILON = 1e-6;
const cleaned = (value: number) =>
  Math.abs(value - Math.round(value)) < EPSILON ? Math.round(value) : value;

/**
 * The reduced row echelon form of a matrix (Gauss-Jordan with partial pivoting; small, 0/±1-ish systems):
 * the reduced rows, and for each column the row of its pivot (-1 for a free column).
 */
function reduce(
  matrix: readonly number[][],
  columns: number,
): { rows: number[][]; pivotOfColumn: number[]; rank: number } {
  const m = matrix.map((row) => [...row]);
  const pivotOfColumn = new Array<number>(columns).fill(-1);
  let r = 0;
  for (let c = 0; c < columns && r < m.length; c++) {
    let pivot = -1;
    for (let i = r; i < m.length; i++)
      if (Math.abs(m[i][c]) > EPSILON && (pivot < 0 || Math.abs(m[i][c]) > Math.abs(m[pivot][c]))) pivot = i;
    if (pivot < 0) continue;
    [m[r], m[pivot]] = [m[pivot], m[r]];
    const lead = m[r][c];
    for (let j = c; j < columns; j++) m[r][j] /= lead;
    for (let i = 0; i < m.length; i++) {
      if (i === r || Math.abs(m[i][c]) < EPSILON) continue;
      const factor = m[i][c];
      for (let j = c; j < columns; j++) m[i][j] -= factor * m[r][j];
    }
    pivotOfColumn[c] = r;
    r++;
  }
  return { rows: m, pivotOfColumn, rank: r };
}

export const rank = (matrix: readonly number[][], columns: number): number => reduce(matrix, columns).rank;

/**
 * The identities every cohort's counts satisfy, found from many cohorts rather than taken from what the
 * code declares: each identity is a vector w over `keys` with sum(w[k] * count[k]) = 0 for every cohort
 * (a basis of the null space of the cohorts-by-keys matrix). With enough varied cohorts these are the
 * identities that hold by construction, which a reader who knows how the answer is built can use; any
 * coincidence of the sample can only add identities, making the check stricter, never weaker.
 */
export function identitiesOf(
  samples: readonly Readonly<Record<string, number>>[],
  keys: readonly string[],
): number[][] {
  const columns = keys.length;
  const { rows: m, pivotOfColumn } = reduce(
    samples.map((sample) => keys.map((key) => sample[key] ?? 0)),
    columns,
  );
  const identities: number[][] = [];
  for (let free = 0; free < columns; free++) {
    if (pivotOfColumn[free] >= 0) continue;
    const w = new Array<number>(columns).fill(0);
    w[free] = 1;
    for (let c = 0; c < columns; c++) if (pivotOfColumn[c] >= 0) w[c] = -m[pivotOfColumn[c]][free];
    identities.push(w.map(cleaned));
  }
  return identities;
}

/**
 * The suppressed keys of a published response that the identities determine, assuming the worst: every
 * number not suppressed read as exact (no noise). A suppressed count is determined when its unit vector lies
 * in the span of the identities restricted to the suppressed counts. `keys` must be those the identities
 * were found over; a key the response does not contain is a known 0 (e.g. a reason no one had).
 */
export function recomputableUnder(
  identities: readonly number[][],
  keys: readonly string[],
  published: Readonly<Record<string, PublishedCount>>,
): string[] {
  const unknown = keys.filter((key) => key in published && isSuppressed(published[key]));
  const index = new Map(keys.map((key, i) => [key, i]));
  const rows = identities
    .map((w) => unknown.map((key) => w[index.get(key)!]))
    .filter((row) => row.some((value) => Math.abs(value) > EPSILON));
  const base = rank(rows, unknown.length);
  return unknown.filter((_, i) => {
    const unit = new Array<number>(unknown.length).fill(0);
    unit[i] = 1;
    return rank([...rows, unit], unknown.length) === base;
  });
}

/**
 * The identities that hold for one more cohort's counts. An identity found from a sample that this cohort
 * violates was a coincidence of the sample (a cell that happened to be 0 in every sampled cohort), which no
 * reader could know, so it is dropped before asking what the reader can recompute.
 */
export function identitiesHoldingFor(
  identities: readonly number[][],
  keys: readonly string[],
  counts: Readonly<Record<string, number>>,
): number[][] {
  return identities.filter(
    (w) =>
      Math.abs(w.reduce((sum, coefficient, i) => sum + coefficient * (counts[keys[i]] ?? 0), 0)) < EPSILON,
  );
}
