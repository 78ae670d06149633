import { AssessmentType as A, checkAssessment } from './assessments';

const check = (type: A, values: Record<string, unknown>) =>
  checkAssessment({ type, values }, 'assessments[0]');
const fields = (type: A, values: Record<string, unknown>) =>
  check(type, values).problems.map((p) => `${p.field}:${p.constraint}`);

describe('assessment validation', () => {
  it('refuses MMSE 31 and accepts 0 and 30', () => {
    expect(fields(A.Mmse, { total: 31 })).toEqual(['assessments[0].values.total:range']);
    expect(fields(A.Mmse, { total: 30 })).toEqual([]);
    expect(fields(A.Mmse, { total: 0 })).toEqual([]);
    expect(fields(A.Mmse, { total: 27.5 })).toEqual(['assessments[0].values.total:isInt']);
  });

  it('refuses a CDR global of 0.7 and a Personal Care box of 0.5', () => {
    const boxes = {
      memory: 0,
      orientation: 0,
      judgmentProblemSolving: 0,
      communityAffairs: 0,
      homeHobbies: 0,
      personalCare: 0,
    };
    expect(fields(A.Cdr, { ...boxes, global: 0.7 })).toEqual(['assessments[0].values.global:isIn']);
    expect(fields(A.Cdr, { ...boxes, personalCare: 0.5 })).toEqual([
      'assessments[0].values.personalCare:isIn',
    ]);
  });

  it('checks the CDR global score against the boxes and derives it', () => {
    const boxes = {
      memory: 0.5,
      orientation: 0.5,
      judgmentProblemSolving: 0,
      communityAffairs: 0,
      homeHobbies: 0,
      personalCare: 0,
    };
    expect(fields(A.Cdr, { ...boxes, global: 0 })).toEqual(['assessments[0].values.global:matchesBoxes']);
    expect(check(A.Cdr, boxes).derived).toEqual({
      globalScore: 0.5,
      sumOfBoxes: 1,
      algorithm: 'morris-1993',
    });
  });

  it('refuses a negative SUVR and an unknown tracer', () => {
    const pet = { pipeline: 'avid', referenceRegion: 'whole_cerebellum' };
    expect(fields(A.AmyloidPet, { ...pet, tracer: 'florbetapir', suvr: -1.1 })).toEqual([
      'assessments[0].values.suvr:range',
    ]);
    expect(fields(A.AmyloidPet, { ...pet, tracer: 'made-up', suvr: 1.1 })).toEqual([
      'assessments[0].values.tracer:isIn',
    ]);
  });

  it('derives the Centiloid and status from an amyloid PET SUVR', () => {
    const result = check(A.AmyloidPet, {
      tracer: 'florbetapir',
      suvr: 1.2,
      pipeline: 'avid',
      referenceRegion: 'whole_cerebellum',
    });
    expect(result.derived).toEqual({
      centiloid: 42.6,
      centiloidEquationId: 'fbp-avid-navitsky2018',
      amyloidStatus: 'positive',
      statusBasis: 'centiloid_bands_amypad_2024',
    });
  });

  it('keeps the SUVR without a Centiloid when no equation fits, and uses the visual read', () => {
    const result = check(A.AmyloidPet, {
      tracer: 'nav4694',
      suvr: 1.4,
      pipeline: 'standard_centiloid',
      referenceRegion: 'whole_cerebellum',
      visualRead: 'positive',
    });
    expect(result.derived).toMatchObject({
      centiloid: null,
      centiloidEquationId: null,
      amyloidStatus: 'positive',
      statusBasis: 'visual_read',
    });
  });

  it('says why a florbetapir SUVR on the standard Centiloid pipeline has no Centiloid', () => {
    const result = check(A.AmyloidPet, {
      tracer: 'florbetapir',
      suvr: 1.3,
      pipeline: 'standard_centiloid',
      referenceRegion: 'whole_cerebellum',
    });
    expect(result.derived).toEqual({
      centiloid: null,
      centiloidEquationId: null,
      amyloidStatus: 'unknown',
      statusBasis: null,
      centiloidUnavailable: 'no published equation for florbetapir / standard_centiloid / whole_cerebellum',
    });
  });

  it('says why there is no Centiloid even when a visual read gives the status', () => {
    const result = check(A.AmyloidPet, {
      tracer: 'florbetapir',
      suvr: 1.3,
      pipeline: 'avid',
      referenceRegion: 'cerebellar_grey',
      visualRead: 'positive',
    });
    expect(result.derived).toMatchObject({
      amyloidStatus: 'positive',
      statusBasis: 'visual_read',
      centiloidUnavailable: 'no published equation for florbetapir / avid / cerebellar_grey',
    });
  });

  it('adds no note when a published equation gives the Centiloid, or when there is no SUVR to convert', () => {
    const converted = check(A.AmyloidPet, {
      tracer: 'florbetaben',
      suvr: 1.3,
      pipeline: 'standard_centiloid',
      referenceRegion: 'whole_cerebellum',
    });
    expect(converted.derived.centiloidEquationId).toBe('fbb-standard-rowe2017');
    expect(converted.derived).not.toHaveProperty('centiloidUnavailable');
    const visualOnly = check(A.AmyloidPet, { tracer: 'florbetapir', visualRead: 'negative' });
    expect(visualOnly.derived).toMatchObject({ centiloid: null, amyloidStatus: 'negative' });
    expect(visualOnly.derived).not.toHaveProperty('centiloidUnavailable');
  });

  it('refuses a CSF value without a unit, naming the analyte entry', () => {
    expect(
      fields(A.Csf, { platform: 'roche_elecsys', analytes: [{ analyte: 'abeta42', value: 900 }] }),
    ).toEqual(['assessments[0].values.analytes[0].unit:isDefined']);
  });

  it('derives CSF ratios and the platform-specific result', () => {
    const result = check(A.Csf, {
      platform: 'roche_elecsys',
      analytes: [
        { analyte: 'abeta42', value: 800, unit: 'pg/mL' },
        { analyte: 'ptau181', value: 24, unit: 'pg/mL' },
      ],
    });
    expect(result).toEqual({
      problems: [],
      derived: {
        ratios: { ptau181_abeta42: 0.03 },
        cutoffSet: 'elecsys-ptau181-abeta42-0.023',
        amyloidStatus: 'positive',
      },
    });
  });

  it('refuses unknown fields and a free recall above the total recall', () => {
    expect(fields(A.Mmse, { total: 28, bonus: 1 })).toEqual([
      'assessments[0].values.bonus:whitelistValidation',
    ]);
    expect(fields(A.Fcsrt, { freeRecall: 40, totalRecall: 30 })).toEqual([
      'assessments[0].values.freeRecall:notAboveTotal',
    ]);
  });

  it('accepts CFI in half points up to 14 only', () => {
    expect(fields(A.Cfi, { participant: 3.5, partner: 14 })).toEqual([]);
    expect(fields(A.Cfi, { participant: 3.25 })).toEqual(['assessments[0].values.participant:step']);
    expect(fields(A.Cfi, { partner: 14.5 })).toEqual(['assessments[0].values.partner:range']);
  });

  it('keeps the three-state plasma result', () => {
    expect(
      check(A.Plasma, {
        platform: 'fujirebio_lumipulse',
        analyte: 'ptau217_abeta42_ratio',
        value: 0.01,
        unit: 'ratio',
        result: 'intermediate',
      }).derived,
    ).toEqual({ amyloidStatus: 'intermediate' });
  });
});

describe('assessment values: only the fields of the instrument, whatever their name', () => {
  const inheritedNames = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];

  it.each(inheritedNames)('refuses an MMSE carrying a field named %s as not a field of the MMSE', (name) => {
    // Parsed from JSON, as a request body is: "__proto__" then is an own key, not the prototype.
    const values = JSON.parse(`{"total": 29, "${name}": 1}`) as Record<string, unknown>;
    expect(fields(A.Mmse, values)).toEqual([`assessments[0].values.${name}:whitelistValidation`]);
  });

  it('does not read a required field through the prototype: an MMSE without a total is refused', () => {
    expect(fields(A.Mmse, Object.create({ total: 29 }) as Record<string, unknown>)).toEqual([
      'assessments[0].values.total:isDefined',
    ]);
  });

  it('refuses a CSF analyte entry carrying a field named constructor', () => {
    const values = JSON.parse(
      '{"platform": "roche_elecsys", "analytes": [{"analyte": "abeta42", "value": 800, "unit": "pg/mL", "constructor": 1}]}',
    ) as Record<string, unknown>;
    expect(fields(A.Csf, values)).toEqual([
      'assessments[0].values.analytes[0].constructor:whitelistValidation',
    ]);
  });
});
