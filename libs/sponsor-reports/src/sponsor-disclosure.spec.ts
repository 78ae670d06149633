import { Environment } from '@registry/config';
import type { CountTable } from '@registry/domain';
import { SponsorDisclosure, SponsorQuestion } from './sponsor-disclosure';

const KEY = 'unit-test-disclosure-noise-key-'.padEnd(48, 'n');
const OTHER_KEY = 'another-installation-noise-key-'.padEnd(48, 'o');

const disclosureWith = (fields: Partial<Environment> = {}) =>
  new SponsorDisclosure(Object.assign(new Environment(), { DISCLOSURE_NOISE_KEY: KEY, ...fields }));

const single = (count: number): CountTable => ({ counts: { total: count }, relations: [] });

const question = (runId: string, total = 120): SponsorQuestion => ({
  query: { question: 'screening-run.progress', trialId: 'trial-1', runId },
  dataVersion: { total, done: 0, finished: false },
});

const RUNS = Array.from({ length: 40 }, (_, i) => `run-${i}`);

describe('SponsorDisclosure: the counts a sponsor receives', () => {
  it('uses the deployment settings, by default k = 11, rounding to 5, noise of at most 3', () => {
    expect(disclosureWith().settings).toEqual({ minimumCellSize: 11, roundTo: 5, noiseBound: 3 });
  });

  it('gives the same answer to the same question on the same data, whatever the key order of the query', () => {
    const disclosure = disclosureWith();
    for (const runId of RUNS) {
      const asked = question(runId);
      const reordered: SponsorQuestion = {
        query: { runId, trialId: 'trial-1', question: 'screening-run.progress' },
        dataVersion: { finished: false, done: 0, total: 120 },
      };
      const first = disclosure.publish(single(120), asked);
      expect(disclosure.publish(single(120), asked)).toEqual(first);
      expect(disclosure.publish(single(120), reordered)).toEqual(first);
      expect(disclosureWith().publish(single(120), asked)).toEqual(first);
    }
  });

  it('publishes every count from 1 to 10 as "<11", and a true 0 as 0', () => {
    const disclosure = disclosureWith();
    for (let count = 1; count <= 10; count++)
      expect(disclosure.publish(single(count), question('run-1', count))).toEqual({ total: '<11' });
    expect(disclosure.publish(single(0), question('run-1', 0))).toEqual({ total: 0 });
  });

  it('never publishes a number from 1 to k-1, noise or not, and rounds to the configured multiple', () => {
    for (const settings of [{}, { DISCLOSURE_MIN_CELL_SIZE: 5, DISCLOSURE_NOISE_BOUND: 4 }]) {
      const disclosure = disclosureWith(settings);
      const { minimumCellSize: k, roundTo: r } = disclosure.settings;
      for (let count = 0; count <= 60; count++) {
        for (const runId of RUNS.slice(0, 10)) {
          const { total } = disclosure.publish(single(count), question(runId, count));
          if (typeof total === 'string') {
            expect(total).toBe(`<${k}`);
            expect(count).toBeGreaterThan(0);
            expect(count).toBeLessThan(k);
          } else {
            expect(total === 0 || total >= k).toBe(true);
            expect(total % r).toBe(0);
          }
        }
      }
    }
  });

  it('keeps the noise within the bound before rounding', () => {
    const disclosure = disclosureWith();
    for (const runId of RUNS) {
      const published = disclosure.publish(single(1000), question(runId, 1000)).total as number;
      // 1000 ± 3, rounded to 5: 995, 1000 or 1005.
      expect([995, 1000, 1005]).toContain(published);
    }
  });

  it('adds noise that depends on the key: another installation answers differently', () => {
    const mine = disclosureWith();
    const other = disclosureWith({ DISCLOSURE_NOISE_KEY: OTHER_KEY });
    const answers = (disclosure: SponsorDisclosure) =>
      RUNS.map((runId) => disclosure.publish(single(1000), question(runId, 1000)).total);
    expect(answers(other)).not.toEqual(answers(mine));
    expect(other.seedOf(question('run-1'))).not.toBe(mine.seedOf(question('run-1')));
  });

  it('draws new noise when the data changes, and only then', () => {
    const disclosure = disclosureWith();
    const asked = question('run-1');
    const seeds = new Set(
      Array.from({ length: 20 }, (_, done) =>
        disclosure.seedOf({ ...asked, dataVersion: { total: 120, done, finished: false } }),
      ),
    );
    expect(seeds.size).toBe(20);
    expect(disclosure.seedOf(asked)).toBe(disclosure.seedOf(question('run-1')));
  });

  it('refuses settings that would let a small count through, and a missing key', () => {
    expect(() => disclosureWith({ DISCLOSURE_MIN_CELL_SIZE: 4 })).toThrow(/minimum cell size/);
    expect(() => disclosureWith({ DISCLOSURE_NOISE_BOUND: 11 })).toThrow(/noise bound/);
    expect(() => disclosureWith({ DISCLOSURE_NOISE_KEY: '' })).toThrow(/DISCLOSURE_NOISE_KEY/);
  });
});
