import fc from 'fast-check';
import {
  breakdownTable,
  combineTables,
  CountTable,
  DEFAULT_DISCLOSURE_SETTINGS,
  disclosureSettingsProblems,
  noiseOf,
  publishCounts,
  PublishedCount,
  publishedProgress,
  suppressedKeys,
} from './disclosure-control';
import { recomputableUnder } from './recomputation';

const SETTINGS = DEFAULT_DISCLOSURE_SETTINGS; // k 11, rounded to 5, noise within ±3
const SEED = 'secret-derived seed of one query and data version';

/**
 * Whether a reader of the published numbers could work out a suppressed count exactly from the table's
 * declared relations, assuming the worst: that every number not suppressed were published exact. Each
 * relation is the identity total - sum(parts) = 0 (see recomputation.ts).
 */
function recomputable(table: CountTable, published: Record<string, PublishedCount>): string[] {
  const keys = Object.keys(table.counts);
  const index = new Map(keys.map((key, i) => [key, i]));
  const identities = table.relations.map((relation) => {
    const row = new Array<number>(keys.length).fill(0);
    row[index.get(relation.total)!] += 1;
    for (const part of relation.parts) row[index.get(part)!] -= 1;
    return row;
  });
  return recomputableUnder(identities, keys, published);
}
/** A cohort of people with a category in each dimension, counted into one breakdown. */
const cohortBreakdown = fc
  .record({
    dimensions: fc.integer({ min: 1, max: 4 }),
    categories: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 4, maxLength: 4 }),
    // Skewed, so that a breakdown mixes large cells with small ones and zeros: most people fall in category
    // 0 or 1 of a dimension, a few anywhere.
    people: fc.array(
      fc.array(fc.oneof({ arbitrary: fc.nat(1), weight: 12 }, { arbitrary: fc.nat(5), weight: 1 }), {
        minLength: 4,
        maxLength: 4,
      }),
      { maxLength: 300, size: 'max' },
    ),
  })
  .map(({ dimensions, categories, people }) => {
    const counts: Record<string, Record<string, number>> = {};
    for (let d = 0; d < dimensions; d++) {
      counts[`d${d}`] = {};
      for (let c = 0; c < categories[d]; c++) counts[`d${d}`][`c${c}`] = 0;
      for (const person of people) counts[`d${d}`][`c${person[d] % categories[d]}`] += 1;
    }
    return breakdownTable('pool', people.length, counts);
  });

describe('disclosure control of the numbers a sponsor receives', () => {
  describe('small cells', () => {
    it('publishes a site with 7 eligible people as "<11", and hides a second site as "suppressed" (not "<11": it has 40) so that the total does not give the 7 away', () => {
      const table = breakdownTable('eligible', 7 + 40 + 120, { site: { TKY: 7, BOS: 40, LDN: 120 } });
      const published = publishCounts(table, SETTINGS, SEED);
      expect(published['eligible.site.TKY']).toBe('<11');
      expect(published['eligible.site.BOS']).toBe('suppressed'); // the smallest other site
      expect(typeof published['eligible.site.LDN']).toBe('number');
      expect(typeof published['eligible.total']).toBe('number');
    });

    it('publishes a count of 0 as 0, and any count from 1 to 10 as "<11"', () => {
      for (let count = 0; count <= 10; count++) {
        const published = publishCounts({ counts: { n: count }, relations: [] }, SETTINGS, SEED);
        expect(published.n).toBe(count === 0 ? 0 : '<11');
      }
    });

    it('never publishes a count of 11 or more as a number below 15 (noise cannot move it into the hidden range)', () => {
      for (let count = 11; count < 200; count++) {
        const value = publishCounts({ counts: { n: count }, relations: [] }, SETTINGS, `${SEED}${count}`).n;
        expect(typeof value).toBe('number');
        expect(value as number).toBeGreaterThanOrEqual(15);
        expect((value as number) % 5).toBe(0);
        expect(Math.abs((value as number) - count)).toBeLessThanOrEqual(15 - 11 + 3 + 2.5);
      }
    });

    it('hides the total when the only other category is 0 (the total would equal the hidden cell)', () => {
      const table = breakdownTable('eligible', 4, { sex: { female: 4, male: 0 } });
      expect([...suppressedKeys(table, 11)].sort()).toEqual(['eligible.sex.female', 'eligible.total']);
    });

    it('refuses a minimum cell size below 5, and a noise bound as large as the cell size', () => {
      expect(disclosureSettingsProblems({ minimumCellSize: 4, roundTo: 5, noiseBound: 2 })).toHaveLength(1);
      expect(disclosureSettingsProblems({ minimumCellSize: 5, roundTo: 1, noiseBound: 5 })).toHaveLength(1);
      expect(disclosureSettingsProblems({ minimumCellSize: 5, roundTo: 1, noiseBound: 0 })).toEqual([]);
      expect(() =>
        publishCounts({ counts: { n: 3 }, relations: [] }, { ...SETTINGS, minimumCellSize: 3 }, SEED),
      ).toThrow(/minimum cell size/);
    });
  });

  describe('secondary suppression (property over generated cohorts and breakdowns)', () => {
    it('leaves no suppressed count that the other published numbers determine exactly', () => {
      fc.assert(
        fc.property(cohortBreakdown, fc.string(), (table, seed) => {
          const published = publishCounts(table, SETTINGS, seed);
          expect(recomputable(table, published)).toEqual([]);
          for (const value of Object.values(published))
            if (typeof value === 'number') expect(value === 0 || value >= 11).toBe(true);
        }),
        { numRuns: 400 },
      );
    });

    it('holds across several breakdowns of one response joined by a partition (eligible + one test away = screened)', () => {
      fc.assert(
        fc.property(cohortBreakdown, cohortBreakdown, (eligible, oneAway) => {
          const rename = (table: CountTable, prefix: string): CountTable => ({
            counts: Object.fromEntries(
              Object.entries(table.counts).map(([k, v]) => [k.replace('pool', prefix), v]),
            ),
            relations: table.relations.map((r) => ({
              total: r.total.replace('pool', prefix),
              parts: r.parts.map((p) => p.replace('pool', prefix)),
            })),
          });
          const a = rename(eligible, 'eligible');
          const b = rename(oneAway, 'oneAway');
          const whole = {
            counts: { screened: a.counts['eligible.total'] + b.counts['oneAway.total'] },
            relations: [],
          };
          const table = combineTables(
            [a, b, whole],
            [{ total: 'screened', parts: ['eligible.total', 'oneAway.total'] }],
          );
          expect(recomputable(table, publishCounts(table, SETTINGS, 'seed'))).toEqual([]);
        }),
        { numRuns: 200 },
      );
    });

    it('would be caught by the check: a lone "<11" beside a published total is recomputable', () => {
      const table = breakdownTable('eligible', 57, { site: { TKY: 7, BOS: 50 } });
      const careless: Record<string, PublishedCount> = {
        'eligible.total': 57,
        'eligible.site.TKY': '<11',
        'eligible.site.BOS': 50,
      };
      expect(recomputable(table, careless)).toEqual(['eligible.site.TKY']);
    });
  });

  describe('noise against differencing', () => {
    it('gives the same answer to the same question (same seed), so asking again reveals nothing', () => {
      const table = breakdownTable('pool', 250, { sex: { female: 140, male: 110 } });
      expect(publishCounts(table, SETTINGS, SEED)).toEqual(publishCounts(table, SETTINGS, SEED));
    });

    it('draws noise uniformly from -3 to 3 over many seeds', () => {
      const seen = new Map<number, number>();
      for (let i = 0; i < 7000; i++) {
        const noise = noiseOf(`seed ${i}`, 'pool.total', 3);
        seen.set(noise, (seen.get(noise) ?? 0) + 1);
      }
      expect([...seen.keys()].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
      for (const times of seen.values()) expect(times).toBeGreaterThan(800); // 1,000 expected each
    });

    it('bounds what two answers differing by one person reveal: at most 1 in 7 answers tells n from n+1 for certain', () => {
      // For true counts n and n+1 (each answered with its own noise), an answer tells them apart for certain
      // only when the other count cannot produce it. Enumerated over every noise value, for n from 11 to 300.
      const { noiseBound: b } = SETTINGS;
      const answers = (n: number) => {
        const out = new Map<number, number>();
        for (let noise = -b; noise <= b; noise++) {
          const value = Math.max(15, Math.round((n + noise) / 5) * 5);
          out.set(value, (out.get(value) ?? 0) + 1 / (2 * b + 1));
        }
        return out;
      };
      let worst = 0;
      for (let n = 11; n <= 300; n++) {
        const [with1, without] = [answers(n + 1), answers(n)];
        let certain = 0;
        for (const [value, p] of with1) if (!without.has(value)) certain += p;
        worst = Math.max(worst, certain);
      }
      expect(worst).toBeLessThanOrEqual(1 / (2 * b + 1) + 1e-9);
      expect(worst).toBeGreaterThan(0); // the bound is reached: noise is bounded, so it is not zero
    });
  });
});

describe("a screening run's progress as a sponsor sees it", () => {
  it('is a share rounded down to tenths, 100 only when every participant is done, and never a count', () => {
    expect([0, 1, 2, 3].map((done) => publishedProgress(done, 3))).toEqual([0, 30, 60, 100]);
    expect(publishedProgress(1239, 1240)).toBe(90);
    expect(publishedProgress(0, 0)).toBe(100);
  });
});
