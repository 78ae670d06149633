import { ParticipantStatus } from '../participants/participant-status';
import { defaultProtocolVisits } from '../schedule/default-protocol';
import { planVisits } from '../schedule/visit-schedule';
import { SeededRandom } from '../synthetic/random';
import { generateParticipant } from '../synthetic/synthetic-cohort';
import { syntheticProfile } from '../synthetic/synthetic-profile';
import { evaluateCriteria, LeafResult } from './evaluate';
import {
  decodeStoredExplanation,
  encodeStoredExplanation,
  explainStoredDetermination,
} from './stored-explanation';
import { AS_OF, baseProfile, withObservation } from './test-profiles';
import { TRIAL_TEMPLATES } from './trial-templates';

/** As it is written to and read back from the database. */
const throughJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/** A synthetic cohort with five years of visits, as screening sees it on AS_OF. */
function syntheticCohort(count: number) {
  const random = new SeededRandom(2026);
  const definitions = defaultProtocolVisits();
  const plan = (baseline: string) => planVisits(baseline, definitions);
  return Array.from({ length: count }, (_, i) =>
    syntheticProfile(generateParticipant(random, AS_OF, plan, 5), `SYN-${String(i).padStart(6, '0')}`, AS_OF),
  );
}

describe('the explanation stored with a determination', () => {
  it('explains a stored determination exactly as it was evaluated, whatever the data became since', () => {
    const a4 = TRIAL_TEMPLATES.find((t) => t.key === 'a4')!.criteria.criteria;
    const eligible = withObservation(baseProfile(), 'amyloid_pet.suvr', 1.3, '2026-04-01', 'florbetapir');
    const evaluated = evaluateCriteria(a4, eligible, { asOf: AS_OF });
    expect(evaluated.result).toBe('eligible');
    const stored = throughJson(encodeStoredExplanation(AS_OF, evaluated.judgements));

    // Since then an MMSE of 22: a live evaluation would say ineligible, the stored one still says why it was eligible.
    const declined = withObservation(eligible, 'mmse.total', 22, '2026-06-20');
    expect(evaluateCriteria(a4, declined, { asOf: '2026-06-21' }).result).toBe('ineligible');
    const explained = explainStoredDetermination(a4, stored);
    expect(explained.asOf).toBe(AS_OF);
    expect(explained.result).toBe('eligible');
    expect(explained.tree.result).toBe('pass');
    expect(explained.summary.find((leaf) => leaf.criterion.startsWith('MMSE'))).toMatchObject({
      value: 29,
      date: '2026-05-01',
      result: 'pass',
    });
  });

  it('rebuilds the same tree, summary and one-test-away for a varied cohort and every template', () => {
    const cohort = syntheticCohort(150);
    const results = new Set<string>();
    for (const profile of cohort) {
      const leafCache = new Map<string, LeafResult>();
      for (const template of TRIAL_TEMPLATES) {
        const criteria = template.criteria.criteria;
        const evaluated = evaluateCriteria(criteria, profile, {
          asOf: AS_OF,
          trialId: template.key,
          leafCache,
        });
        const stored = throughJson(encodeStoredExplanation(AS_OF, evaluated.judgements));
        const { asOf, ...rebuilt } = explainStoredDetermination(criteria, stored);
        expect(asOf).toBe(AS_OF);
        expect(rebuilt).toEqual(throughJson(evaluated));
        results.add(`${evaluated.result}|${evaluated.oneTestAway?.test ?? ''}`);
      }
    }
    // Varied enough to mean something: all three results, and someone one test away.
    expect([...results].map((r) => r.split('|')[0]).sort()).toEqual(
      expect.arrayContaining(['eligible', 'ineligible', 'undetermined']),
    );
    expect([...results].some((r) => r.startsWith('undetermined|') && r !== 'undetermined|')).toBe(true);
  });

  it('is small: a few hundred bytes per determination for the demo templates', () => {
    const cohort = syntheticCohort(400).filter((p) => p.status !== ParticipantStatus.Withdrawn);
    const sizes: number[] = [];
    for (const profile of cohort) {
      for (const template of TRIAL_TEMPLATES) {
        const criteria = template.criteria.criteria;
        const { judgements } = evaluateCriteria(criteria, profile, { asOf: AS_OF, trialId: template.key });
        sizes.push(Buffer.byteLength(JSON.stringify(encodeStoredExplanation(AS_OF, judgements))));
      }
    }
    const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
    // AHEAD has 16 leaves: about 10 bytes a leaf, the day stored once.
    expect(mean).toBeLessThan(200);
    expect(Math.max(...sizes)).toBeLessThan(300);
  });

  it('refuses a record it does not know rather than guessing', () => {
    expect(() => decodeStoredExplanation({ leaves: [] })).toThrow('not a stored explanation of version 1');
    expect(() => decodeStoredExplanation([2, AS_OF, []])).toThrow('not a stored explanation of version 1');
    expect(() => decodeStoredExplanation([1, AS_OF, [[7]]])).toThrow('stored leaf 0 has no outcome');
    expect(() => decodeStoredExplanation([1, AS_OF, [[0, 'positive', 3, 'spect']]])).toThrow(
      'stored leaf 0 has no known modality',
    );
    // Judgements of one criteria version do not fit another's leaves.
    const a4 = TRIAL_TEMPLATES.find((t) => t.key === 'a4')!.criteria.criteria;
    expect(() => explainStoredDetermination(a4, [1, AS_OF, [[0, 70]]])).toThrow('no leaf judgement');
  });
});
