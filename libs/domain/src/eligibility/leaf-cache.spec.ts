import { AmyloidModality, AmyloidStatus } from '../biomarkers/amyloid-status';
import { ParticipantStatus } from '../participants/participant-status';
import { evaluateCriteria, LeafResult, ParticipantProfile } from './evaluate';
import { AS_OF, baseProfile, withAmyloid, withObservation } from './test-profiles';
import { TRIAL_TEMPLATES } from './trial-templates';

describe('a leaf cache shared by every trial of one participant', () => {
  const profiles: ParticipantProfile[] = [
    baseProfile(),
    withObservation(baseProfile(), 'plasma.result', 'positive', '2026-05-01', 'ptau217'),
    withAmyloid(
      baseProfile({ birthDate: '1962-03-01' }),
      AmyloidModality.Pet,
      AmyloidStatus.Positive,
      '2026-01-10',
    ),
    baseProfile({ status: ParticipantStatus.InTrial, trialCommitments: ['trial-a'] }),
  ];

  it('gives the same determinations as evaluating each trial alone', () => {
    for (const profile of profiles) {
      const leafCache = new Map<string, LeafResult>();
      for (const template of TRIAL_TEMPLATES) {
        const alone = evaluateCriteria(template.criteria.criteria, profile, {
          asOf: AS_OF,
          trialId: template.key,
        });
        const shared = evaluateCriteria(template.criteria.criteria, profile, {
          asOf: AS_OF,
          trialId: template.key,
          leafCache,
        });
        expect(shared).toEqual(alone);
      }
      // The four templates share their registry, cognition and MRI leaves.
      expect(leafCache.size).toBeGreaterThan(0);
    }
  });

  it('still asks "another trial?" afresh for each trial', () => {
    const committed = baseProfile({ status: ParticipantStatus.InTrial, trialCommitments: ['trial-a'] });
    const leafCache = new Map<string, LeafResult>();
    const criterion = { type: 'not_in_other_trial' } as const;
    const forA = evaluateCriteria(criterion, committed, { asOf: AS_OF, trialId: 'trial-a', leafCache });
    const forB = evaluateCriteria(criterion, committed, { asOf: AS_OF, trialId: 'trial-b', leafCache });
    expect(forA.result).toBe('eligible');
    expect(forB.result).toBe('ineligible');
  });
});
