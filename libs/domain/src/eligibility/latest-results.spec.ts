import { ASSESSMENT_TYPES, AssessmentType, checkAssessment } from '../instruments/assessments';
import { defaultProtocolVisits } from '../schedule/default-protocol';
import { planVisits } from '../schedule/visit-schedule';
import { SeededRandom } from '../synthetic/random';
import { generateParticipant } from '../synthetic/synthetic-cohort';
import type { ParticipantProfile } from './evaluate';
import {
  addAssessmentToProfile,
  assessmentQualifier,
  FIELDS_READ_FOR_PROFILE,
  FieldsReadForProfile,
} from './latest-results';
import { AS_OF, baseProfile } from './test-profiles';

const keep = (record: Record<string, unknown>, keys: readonly string[]) =>
  Object.fromEntries(Object.entries(record).filter(([key]) => keys.includes(key)));

describe('the fields of an assessment that a profile is built from', () => {
  it('says which fields screening reads: the CDR global score and sum of boxes, not the six boxes', () => {
    expect(FIELDS_READ_FOR_PROFILE.cdr).toEqual({ values: [], derived: ['globalScore', 'sumOfBoxes'] });
    expect(FIELDS_READ_FOR_PROFILE.amyloid_pet).toEqual({
      values: ['suvr', 'visualRead'],
      derived: ['amyloidStatus', 'centiloid'],
    });
    expect(FIELDS_READ_FOR_PROFILE.csf).toEqual({ values: [], derived: ['amyloidStatus', 'ratios'] });
    expect(FIELDS_READ_FOR_PROFILE.plasma).toEqual({ values: ['result'], derived: ['amyloidStatus'] });
    expect(FIELDS_READ_FOR_PROFILE.mmse).toEqual({ values: ['total'], derived: [] });
  });

  // Over a synthetic cohort with five years of visits: the facts keep only these fields, so a profile built
  // from them must be the one built from the whole assessment, for every participant.
  it('builds the same profile from only those fields as from the whole assessment', () => {
    const random = new SeededRandom(2027);
    const definitions = defaultProtocolVisits();
    const plan = (baseline: string) => planVisits(baseline, definitions);
    const typesSeen = new Set<string>();
    let droppedSomething = false;
    for (let i = 0; i < 1500; i++) {
      const person = generateParticipant(random, AS_OF, plan, 5);
      const whole: ParticipantProfile = baseProfile();
      const kept: ParticipantProfile = baseProfile();
      for (const visit of person.visits) {
        for (const assessment of visit.assessments) {
          const { derived } = checkAssessment(assessment);
          const qualifier = assessmentQualifier(assessment.type, assessment.values);
          const fields: FieldsReadForProfile = FIELDS_READ_FOR_PROFILE[assessment.type];
          const values = keep(assessment.values, fields.values);
          const derivedKept = keep(derived, fields.derived);
          droppedSomething ||=
            Object.keys(values).length < Object.keys(assessment.values).length ||
            Object.keys(derivedKept).length < Object.keys(derived).length;
          typesSeen.add(assessment.type);
          addAssessmentToProfile(whole, assessment.type, qualifier, visit.date, assessment.values, derived);
          addAssessmentToProfile(kept, assessment.type, qualifier, visit.date, values, derivedKept);
        }
      }
      expect(kept).toEqual(whole);
    }
    // The cohort held every type of assessment the protocol schedules (all but tau PET), and fields no
    // profile reads.
    expect([...typesSeen].sort()).toEqual(
      ASSESSMENT_TYPES.filter((type) => type !== AssessmentType.TauPet).sort(),
    );
    expect(droppedSomething).toBe(true);
  });
});
