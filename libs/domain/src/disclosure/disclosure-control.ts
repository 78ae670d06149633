/**
 * Disclosure control for every number a sponsor receives (pools, funnels, breakdowns, trends, referral and
 * screening-run counts). Sponsors see counts, never people (the domain notes beside the project, `../shared/domain/README.md`, "What sponsors may
 * see"), and a count is a disclosure when it is small, when it can be recomputed from other published
 * numbers, or when two answers can be subtracted. Three defences, applied together to one response:
 *
 * 1. Small cells: a count from 1 to k-1 is published as "<k" (k default 11, as CMS and PCORnet; never below
 *    5, the OHDSI default). A true 0 is published as 0.
 * 2. Secondary suppression: a response declares which of its numbers add up to which (a breakdown's cells to
 *    its total, a partition to its whole). Where exactly one number of such a relation is suppressed, it
 *    could be recomputed from the others, so a second one is suppressed too (the smallest part), repeated
 *    until every relation holds none or at least two suppressed numbers. Such a second number is published
 *    as "suppressed", not "<k": it may be large.
 * 3. Noise and rounding against differencing: each published count gets a whole-number noise drawn
 *    uniformly from [-b, b] by a seed that the caller derives from a server secret, the canonical query and
 *    the data version (so the same question always gets the same answer and repeating it reveals nothing),
 *    then is rounded to a multiple of r. A count of k or more is never published below the first multiple
 *    of r at or above k, so that noise cannot turn it into a number in the suppressed range.
 *
 * Pure: no clock, no randomness but the seed, no I/O.
 */

export interface DisclosureSettings {
  /** k: counts from 1 to k-1 are published as "<k". */
  minimumCellSize: number;
  /** r: published counts are multiples of this. */
  roundTo: number;
  /** b: the noise added before rounding is a whole number from -b to b. */
  noiseBound: number;
}

export const DEFAULT_DISCLOSURE_SETTINGS: Readonly<DisclosureSettings> = Object.freeze({
  minimumCellSize: 11,
  roundTo: 5,
  noiseBound: 3,
});

/** The smallest k any deployment may set (OHDSI's default); below it a cell may identify a person. */
export const LOWEST_MINIMUM_CELL_SIZE = 5;

/** What is wrong with a deployment's settings, one sentence each; empty when they may be used. */
export function disclosureSettingsProblems(settings: DisclosureSettings): string[] {
  const problems: string[] = [];
  const { minimumCellSize: k, roundTo: r, noiseBound: b } = settings;
  if (!Number.isInteger(k) || k < LOWEST_MINIMUM_CELL_SIZE)
    problems.push(`the minimum cell size must be a whole number of at least ${LOWEST_MINIMUM_CELL_SIZE}`);
  if (!Number.isInteger(r) || r < 1) problems.push('counts must be rounded to a whole number of at least 1');
  if (!Number.isInteger(b) || b < 0) problems.push('the noise bound must be a whole number of at least 0');
  else if (Number.isInteger(k) && b >= k)
    problems.push('the noise bound must be below the minimum cell size');
  return problems;
}

/**
 * A count withheld: "<k" when it is itself small (1 to k-1); "suppressed" when it was withheld only so that
 * a small one beside it cannot be recomputed (it may be of any size, so "<k" would misstate it).
 */
export type SuppressedCount = `<${number}` | 'suppressed';
export const SUPPRESSED_COMPLEMENT = 'suppressed';
export type PublishedCount = number | SuppressedCount;

export const isSuppressed = (count: PublishedCount): count is SuppressedCount => typeof count === 'string';

/** `total` is the sum of `parts`: a breakdown's cells and its total, a partition and its whole. */
export interface AdditiveRelation {
  total: string;
  parts: readonly string[];
}

/**
 * The raw numbers of one response, each under a key that names what it counts (e.g. `pool.site.TKY`), and
 * every additive relation between them that a reader could use.
 */
export interface CountTable {
  counts: Readonly<Record<string, number>>;
  relations: readonly AdditiveRelation[];
}

/**
 * The keys to publish as "<k": the small counts (1 to k-1), and further ones that stop each of them being
 * recomputed from a relation. A complementary cell is the relation's smallest unsuppressed part that is not
 * 0 (hiding a 0 beside a 1 would still tell that one person is in one of the two), else its total, else a
 * part that is 0: as little as possible is hidden, and what is hidden is not pinned by its neighbours.
 */
export function suppressedKeys(table: CountTable, minimumCellSize: number): Set<string> {
  const suppressed = new Set<string>();
  for (const [key, count] of Object.entries(table.counts)) {
    if (count < 0 || !Number.isInteger(count))
      throw new Error(`count ${key} is not a whole number: ${count}`);
    if (count > 0 && count < minimumCellSize) suppressed.add(key);
  }
  for (const relation of table.relations) {
    for (const key of [relation.total, ...relation.parts])
      if (!(key in table.counts)) throw new Error(`relation names a count that is not in the table: ${key}`);
  }
  let changed = true;
  while (changed) {
    changed = false;
    for (const relation of table.relations) {
      const members = [relation.total, ...relation.parts];
      if (members.filter((key) => suppressed.has(key)).length !== 1) continue;
      const complement =
        smallestUnsuppressed(relation.parts, table.counts, suppressed, 1) ??
        (suppressed.has(relation.total) ? undefined : relation.total) ??
        smallestUnsuppressed(relation.parts, table.counts, suppressed, 0);
      if (complement === undefined) continue;
      suppressed.add(complement);
      changed = true;
    }
  }
  return suppressed;
}

function smallestUnsuppressed(
  keys: readonly string[],
  counts: Readonly<Record<string, number>>,
  suppressed: ReadonlySet<string>,
  atLeast: number,
): string | undefined {
  let best: string | undefined;
  for (const key of keys) {
    if (suppressed.has(key) || counts[key] < atLeast) continue;
    if (best === undefined || counts[key] < counts[best] || (counts[key] === counts[best] && key < best))
      best = key;
  }
  return best;
}

/**
 * Every number of a response as a sponsor may receive it. `seed` must be secret to the server (derived with
 * its key from the canonical query and the data version): whoever knows it can subtract the noise.
 */
export function publishCounts(
  table: CountTable,
  settings: DisclosureSettings,
  seed: string,
): Record<string, PublishedCount> {
  const problems = disclosureSettingsProblems(settings);
  if (problems.length > 0) throw new Error(`disclosure settings refused: ${problems.join('; ')}`);
  const suppressed = suppressedKeys(table, settings.minimumCellSize);
  const small: SuppressedCount = `<${settings.minimumCellSize}`;
  const published: Record<string, PublishedCount> = {};
  for (const [key, count] of Object.entries(table.counts)) {
    if (suppressed.has(key))
      published[key] = count > 0 && count < settings.minimumCellSize ? small : SUPPRESSED_COMPLEMENT;
    else if (count === 0) published[key] = 0;
    // Keyed by the count's own value too: a count that does not change keeps its published value however
    // much the rest of the answer changes, so that watching it day after day gives no fresh draws to average.
    else
      published[key] = noisyRounded(count, noiseOf(seed, `${key}=${count}`, settings.noiseBound), settings);
  }
  return published;
}

/** A count of at least k, with its noise, rounded; never published below the first multiple of r from k. */
export function noisyRounded(count: number, noise: number, settings: DisclosureSettings): number {
  const { minimumCellSize: k, roundTo: r } = settings;
  const floor = Math.ceil(k / r) * r;
  return Math.max(floor, Math.round((count + noise) / r) * r);
}

/** The noise of one count: uniform over the whole numbers from -bound to bound, fixed by seed and key. */
export function noiseOf(seed: string, key: string, bound: number): number {
  if (bound === 0) return 0;
  return (hash53(`${seed}\u0000${key}`) % (2 * bound + 1)) - bound;
}

/**
 * cyrb53 (public domain, bryc): a fast 53-bit string hash with good spread. It need not resist inversion:
 * the seed it mixes in is secret, and the published counts carry the noise, not the hash.
 */
function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/**
 * The table of one breakdown: its total under `${prefix}.total`, each category of each dimension under
 * `${prefix}.${dimension}.${category}`, and for each dimension the relation "its categories add up to the
 * total" (every person falls in exactly one category of each dimension).
 */
export function breakdownTable(
  prefix: string,
  total: number,
  dimensions: Readonly<Record<string, Readonly<Record<string, number>>>>,
): CountTable {
  const totalKey = `${prefix}.total`;
  const counts: Record<string, number> = { [totalKey]: total };
  const relations: AdditiveRelation[] = [];
  for (const [dimension, categories] of Object.entries(dimensions)) {
    const parts = Object.keys(categories).map((category) => `${prefix}.${dimension}.${category}`);
    let sum = 0;
    for (const [category, count] of Object.entries(categories)) {
      counts[`${prefix}.${dimension}.${category}`] = count;
      sum += count;
    }
    if (sum !== total) throw new Error(`${prefix}.${dimension} adds up to ${sum}, not its total ${total}`);
    relations.push({ total: totalKey, parts });
  }
  return { counts, relations };
}

/** One response made of several tables (and relations between them, e.g. a partition of a whole). */
export function combineTables(
  tables: readonly CountTable[],
  relations: readonly AdditiveRelation[] = [],
): CountTable {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    for (const [key, count] of Object.entries(table.counts)) {
      if (key in counts && counts[key] !== count) throw new Error(`count ${key} differs between tables`);
      counts[key] = count;
    }
  }
  return { counts, relations: [...tables.flatMap((table) => table.relations), ...relations] };
}

/**
 * How far a screening run has got, as a sponsor may see it: a whole percentage rounded down to a multiple of
 * 10 (100 only when finished), never a count. A run walks everyone at the trial's sites, including people
 * who did not consent to sharing counts with sponsors, so its counts are not counts a sponsor may receive at
 * all; a share tells how long to wait without telling how many. Rounding to tenths keeps a small cohort's
 * steps (one of three done: 33 %) from hinting at its size.
 */
export function publishedProgress(done: number, total: number): number {
  if (done >= total) return 100;
  return Math.floor((done * 10) / total) * 10;
}
