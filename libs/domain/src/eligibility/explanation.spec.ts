import { AmyloidModality as M, AmyloidStatus as S } from '../biomarkers/amyloid-status';
import { ConsentScope } from '../consent/consent-scope';
import type { Criterion } from './criteria';
import { evaluateCriteria, judgeCriteriaLeaves, Outcome } from './evaluate';
import type { DecidingLeaf, ExplanationNode } from './explanation';
import { decideJudgements, explainJudgements } from './explanation';
import { generatedProfiles, HAND_MADE } from './generated-profiles';
import { AS_OF, baseProfile, withAmyloid, withObservation } from './test-profiles';
import { TRIAL_TEMPLATES } from './trial-templates';

const A45 = TRIAL_TEMPLATES.find((t) => t.key === 'ahead-a45')!.criteria.criteria;
const evaluate = (criteria: Criterion, profile = baseProfile()) =>
  evaluateCriteria(criteria, profile, { asOf: AS_OF, trialId: 'trial-1' });

/** A 60-year-old e4 carrier with no family history, cognitively normal, 60 CL (positive) on a recent PET. */
const youngCarrier = withAmyloid(
  withObservation(
    baseProfile({ birthDate: '1966-03-01', apoeGenotype: 'e3/e4', familyHistory: false }),
    'amyloid_pet.centiloid',
    60,
    '2026-04-01',
  ),
  M.Pet,
  S.Positive,
  '2026-04-01',
);

/** Every node of a tree, depth first. */
const nodes = (node: ExplanationNode): ExplanationNode[] =>
  node.kind === 'leaf' ? [node] : [node, ...node.children.flatMap(nodes)];

describe('an explanation a clinician can read', () => {
  it('an eligible e4 carrier’s summary does not list the failed family-history alternative', () => {
    const determination = evaluate(A45, youngCarrier);
    expect(determination.result).toBe('eligible');
    const summary = determination.summary.map((leaf) => leaf.criterion);
    expect(summary).toContain('APOE e4 alleles >= 1');
    expect(summary).not.toContain('first-degree family history of dementia with onset before 75');
    expect(summary).not.toContain('age >= 65');
    expect(determination.summary.every((leaf) => leaf.effect === 'pass')).toBe(true);
    // The failed alternative is still there, in the tree, under the `any` that passed without it.
    const riskFactor = determination.tree.kind !== 'leaf' && determination.tree.children[0];
    expect(riskFactor).toMatchObject({ kind: 'all', result: 'pass' });
    const alternatives = (riskFactor as { children: ExplanationNode[] }).children[1];
    expect(alternatives).toMatchObject({ kind: 'any', result: 'pass' });
    expect(
      (alternatives as { children: ExplanationNode[] }).children.map((child) => [
        child.kind === 'leaf' && child.criterion,
        child.result,
      ]),
    ).toEqual([
      ['age >= 65', 'fail'],
      ['first-degree family history of dementia with onset before 75', 'fail'],
      ['APOE e4 alleles >= 1', 'pass'],
      ['amyloid positive by amyloid PET or CSF', 'pass'],
    ]);
  });

  it('gives each leaf the value used, its date, and why it passed, failed or is unknown', () => {
    const leaves = nodes(evaluate(A45, youngCarrier).tree).filter((node) => node.kind === 'leaf');
    expect(leaves.find((leaf) => leaf.criterion === 'age >= 65')).toMatchObject({
      result: 'fail',
      value: 60,
      reason: 'aged 60: does not meet age >= 65',
    });
    expect(leaves.find((leaf) => leaf.criterion.startsWith('amyloid PET Centiloid'))).toMatchObject({
      result: 'pass',
      value: 60,
      date: '2026-04-01',
      reason: 'amyloid PET Centiloid 60 on 2026-04-01: meets amyloid PET Centiloid > 40 within 365 days',
    });
    expect(leaves.find((leaf) => leaf.criterion.startsWith('amyloid positive'))).toMatchObject({
      result: 'pass',
      value: 'positive',
      date: '2026-04-01',
    });
    // Without any PET or CSF the risk factor's amyloid alternative is unknown, and says which tests decide it.
    const unscanned = baseProfile({ birthDate: '1966-03-01', apoeGenotype: 'e3/e4', familyHistory: false });
    const unscannedLeaves = nodes(evaluate(A45, unscanned).tree).filter((node) => node.kind === 'leaf');
    expect(unscannedLeaves.find((leaf) => leaf.criterion.startsWith('amyloid positive'))).toMatchObject({
      result: 'unknown',
      reason: 'needs amyloid PET or CSF',
      tests: ['amyloid_pet', 'csf'],
    });
  });

  it('an ineligible participant’s summary lists what excluded them, not what they met', () => {
    const noRecontact = { ...youngCarrier, consentScopes: [ConsentScope.RegistryFollowUp] };
    const determination = evaluate(A45, noRecontact);
    expect(determination.result).toBe('ineligible');
    expect(determination.summary.map((leaf) => [leaf.criterion, leaf.result, leaf.effect])).toEqual([
      ['consent to recontact_for_trials', 'fail', 'fail'],
    ]);
    expect(determination.summary[0].reason).toBe(
      'no consent to recontact_for_trials: does not meet consent to recontact_for_trials',
    );
  });

  it('an undetermined participant’s summary lists only what is missing', () => {
    const noPet = { ...youngCarrier, observations: baseProfile().observations };
    const determination = evaluate(A45, noPet);
    expect(determination.result).toBe('undetermined');
    expect(determination.summary.map((leaf) => [leaf.result, leaf.reason])).toEqual([
      ['unknown', 'needs amyloid PET Centiloid within 365 days'],
    ]);
  });

  it('a leaf under `not` that held excludes the participant: its effect is a failure', () => {
    const notCsfNegative: Criterion = {
      type: 'all',
      of: [
        { type: 'age', min: 60 },
        { type: 'not', of: { type: 'amyloid', in: [S.Negative], modalities: [M.Csf] } },
      ],
    };
    const determination = evaluate(notCsfNegative, withAmyloid(baseProfile(), M.Csf, S.Negative));
    expect(determination.result).toBe('ineligible');
    expect(determination.summary).toEqual([
      expect.objectContaining({
        criterion: 'amyloid negative by CSF',
        result: 'pass',
        effect: 'fail',
        reason: 'amyloid negative by CSF on 2026-05-01: meets amyloid negative by CSF',
      }),
    ]);
    expect(determination.tree).toMatchObject({
      kind: 'all',
      result: 'fail',
      children: [
        { kind: 'leaf', result: 'pass' },
        { kind: 'not', result: 'fail' },
      ],
    });
  });

  it('every node’s result follows from its children, and the root’s is the result', () => {
    for (const template of TRIAL_TEMPLATES) {
      for (const profile of [youngCarrier, baseProfile(), baseProfile({ apoeGenotype: 'unknown' })]) {
        const determination = evaluate(template.criteria.criteria, profile);
        const rootResult = { pass: 'eligible', fail: 'ineligible', unknown: 'undetermined' }[
          determination.tree.result
        ];
        expect(rootResult).toBe(determination.result);
        for (const node of nodes(determination.tree)) {
          if (node.kind === 'leaf') continue;
          const results = node.children.map((child) => child.result);
          if (node.kind === 'not') expect(node.children).toHaveLength(1);
          const expected =
            node.kind === 'all'
              ? results.includes('fail')
                ? 'fail'
                : results.includes('unknown')
                  ? 'unknown'
                  : 'pass'
              : node.kind === 'any'
                ? results.includes('pass')
                  ? 'pass'
                  : results.includes('unknown')
                    ? 'unknown'
                    : 'fail'
                : { pass: 'fail', fail: 'pass', unknown: 'unknown' }[results[0]];
          expect(node.result).toBe(expected);
        }
      }
    }
  });
});

/**
 * The deciding-leaf rule as the tree shows it, written independently of the code under test (it is the
 * rule `explainJudgements` applied to its tree before screening had a lighter path): a node is decided by
 * its parts with its own result, a `not` by its part, with the effect swapped under each `not`.
 */
function decidingLeavesOfTree(node: ExplanationNode, negated = false): DecidingLeaf[] {
  if (node.kind === 'leaf') return [{ ...node, effect: negated ? negateOutcome(node.result) : node.result }];
  if (node.kind === 'not') return decidingLeavesOfTree(node.children[0], !negated);
  return node.children
    .filter((child) => child.result === node.result)
    .flatMap((child) => decidingLeavesOfTree(child, negated));
}
const negateOutcome = (outcome: Outcome): Outcome =>
  outcome === 'pass' ? 'fail' : outcome === 'fail' ? 'pass' : 'unknown';

/** Nested `not`s, and deciding leaves after parts that decide nothing, in every position. */
const NESTED: Criterion[] = [
  {
    type: 'all',
    of: [
      {
        type: 'any',
        of: [
          { type: 'apoe_e4_alleles', min: 1 },
          { type: 'not', of: { type: 'sex', in: ['male'] } },
        ],
      },
      { type: 'not', of: { type: 'not', of: { type: 'study_partner' } } },
      {
        type: 'not',
        of: { type: 'any', of: [{ type: 'family_history' }, { type: 'education_years', max: 10 }] },
      },
      { type: 'measure', measure: 'mmse.total', comparator: 'between', min: 25, max: 30, maxAgeDays: 365 },
    ],
  },
  {
    type: 'any',
    of: [
      {
        type: 'not',
        of: {
          type: 'all',
          of: [
            { type: 'sex', in: ['female'] },
            { type: 'apoe_e4_alleles', min: 2 },
          ],
        },
      },
      { type: 'all', of: [{ type: 'family_history' }, { type: 'not', of: { type: 'study_partner' } }] },
    ],
  },
];

describe('what screening writes of a determination', () => {
  it('is what the whole explanation says: the same result, one test away, deciding leaves in the same words, and judgements', () => {
    const criteriaList = [...TRIAL_TEMPLATES.map((t) => t.criteria.criteria), ...HAND_MADE, ...NESTED];
    const seen = { eligible: 0, ineligible: 0, undetermined: 0, oneTestAway: 0 };
    for (const profile of generatedProfiles(1500, 11))
      for (const criteria of criteriaList) {
        const judgements = judgeCriteriaLeaves(criteria, profile, { asOf: AS_OF, trialId: 'trial-1' });
        const whole = explainJudgements(criteria, judgements);
        expect(whole.summary).toEqual(decidingLeavesOfTree(whole.tree));
        const decided = decideJudgements(criteria, judgements);
        expect(decided).toEqual({
          result: whole.result,
          oneTestAway: whole.oneTestAway,
          summary: whole.summary,
          judgements: whole.judgements,
        });
        seen[whole.result]++;
        if (whole.oneTestAway) seen.oneTestAway++;
      }
    // The comparison covered every kind of result, undetermined ones with and without one test away.
    expect(Object.values(seen).every((count) => count > 100)).toBe(true);
    expect(seen.undetermined).toBeGreaterThan(seen.oneTestAway);
  });

  it('refuses judgements that do not fit the criteria, as the whole explanation does', () => {
    const judgements = judgeCriteriaLeaves(A45, youngCarrier, { asOf: AS_OF });
    for (const misfit of [judgements.slice(1), [...judgements, { outcome: 'pass' as const }]]) {
      expect(() => explainJudgements(A45, misfit)).toThrow(/judgements/);
      expect(() => decideJudgements(A45, misfit)).toThrow(/judgements/);
    }
    expect(() => decideJudgements(A45, judgements.slice(1))).toThrow(
      /fewer judgements than the criteria have leaves/,
    );
    expect(() => explainJudgements(A45, judgements.slice(1))).toThrow(
      /fewer judgements than the criteria have leaves/,
    );
  });
});
