import { validateCriteriaDocument } from './validate-criteria';

const problems = (criteria: unknown) =>
  validateCriteriaDocument({ language: 1, criteria }).map((p) => `${p.path} ${p.constraint}`);

describe('validateCriteriaDocument', () => {
  it('lists each problem with its JSON path', () => {
    expect(
      problems({
        type: 'all',
        of: [
          { type: 'measure', measure: 'mmse.totl', comparator: '>=', value: 27 },
          { type: 'measure', measure: 'mmse.total', comparator: '~', value: 27 },
          { type: 'measure', measure: 'amyloid_pet.centiloid', comparator: 'between', min: 40, max: 20 },
          { type: 'age', min: 90, max: 55 },
          { type: 'consent', scope: 'everything' },
          { type: 'unicorn' },
        ],
      }),
    ).toEqual([
      '$.criteria.of[0].measure isIn',
      '$.criteria.of[1].comparator isIn',
      '$.criteria.of[2] minNotAboveMax',
      '$.criteria.of[3] minNotAboveMax',
      '$.criteria.of[4].scope isIn',
      '$.criteria.of[5].type isIn',
    ]);
  });

  it('takes ages, years of education and e4 alleles in whole numbers only', () => {
    expect(
      problems({
        type: 'all',
        of: [
          { type: 'age', min: 59.5, max: 85 },
          { type: 'education_years', max: 12.5 },
          { type: 'apoe_e4_alleles', min: 1 },
        ],
      }),
    ).toEqual(['$.criteria.of[0].min range', '$.criteria.of[1].max range']);
  });

  it('needs a qualifier for tracer-, platform- or analyte-specific measures', () => {
    expect(problems({ type: 'measure', measure: 'amyloid_pet.suvr', comparator: '>=', value: 1.15 })).toEqual(
      ['$.criteria.qualifier isDefined'],
    );
  });

  it('checks value types against the measure', () => {
    expect(
      problems({
        type: 'measure',
        measure: 'plasma.result',
        qualifier: 'ptau217',
        comparator: '=',
        value: 'high',
      }),
    ).toEqual(['$.criteria.value type']);
    expect(
      problems({ type: 'measure', measure: 'mri.superficial_siderosis', comparator: '>', value: 1 }),
    ).toEqual(['$.criteria.comparator isIn']);
    expect(problems({ type: 'measure', measure: 'mmse.total', comparator: 'in', values: [27, 'x'] })).toEqual(
      ['$.criteria.values[1] type'],
    );
  });

  it('refuses empty combinators, unknown properties and a bad recency', () => {
    expect(problems({ type: 'any', of: [] })).toEqual(['$.criteria.of arrayNotEmpty']);
    expect(problems({ type: 'study_partner', required: true })).toEqual([
      '$.criteria.required whitelistValidation',
    ]);
    expect(problems({ type: 'amyloid', in: ['positive'], modalities: ['pet'], maxAgeDays: -1 })).toEqual([
      '$.criteria.maxAgeDays range',
    ]);
  });

  it('accepts an amyloid criterion decided by the latest result or by any modality, and nothing else', () => {
    const amyloid = { type: 'amyloid', in: ['positive'], modalities: ['pet', 'csf'] };
    expect(problems({ ...amyloid, decidedBy: 'any_modality' })).toEqual([]);
    expect(problems({ ...amyloid, decidedBy: 'latest_result' })).toEqual([]);
    expect(problems({ ...amyloid, decidedBy: 'majority' })).toEqual(['$.criteria.decidedBy isIn']);
  });

  it('refuses a document that is not one', () => {
    expect(validateCriteriaDocument(null)).toEqual([
      expect.objectContaining({ path: '$', constraint: 'isObject' }),
    ]);
    expect(
      validateCriteriaDocument({ language: 2, criteria: { type: 'study_partner' } }).map((p) => p.path),
    ).toEqual(['$.language']);
  });
});

describe('validateCriteriaDocument: nesting depth', () => {
  /** `levels` criteria nested through "not", with an age criterion innermost. */
  const nested = (levels: number): unknown => {
    let criterion: unknown = { type: 'age', min: 60 };
    for (let i = 1; i < levels; i++) criterion = { type: 'not', of: criterion };
    return criterion;
  };

  it('accepts criteria nested 12 levels deep and refuses 13, naming the path of the level too deep', () => {
    expect(problems(nested(12))).toEqual([]);
    expect(problems(nested(13))).toEqual([`$.criteria${'.of'.repeat(12)} maxDepth`]);
  });

  it('refuses a document nested thousands of levels deep by its first level too deep, without recursing further', () => {
    expect(problems(nested(5000))).toEqual([`$.criteria${'.of'.repeat(12)} maxDepth`]);
  });

  it('names array positions in brackets when all/any nest too deep', () => {
    let criterion: unknown = { type: 'age', min: 60 };
    for (let i = 1; i < 13; i++) criterion = { type: 'all', of: [criterion] };
    expect(problems(criterion)).toEqual([`$.criteria${'.of[0]'.repeat(12)} maxDepth`]);
  });
});
