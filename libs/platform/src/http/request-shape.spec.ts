import { jsonShapeProblem, MAX_JSON_BODY_DEPTH } from './request-shape';

/** `levels` objects nested under "a", innermost holding a number. */
const nestedObjects = (levels: number): unknown => {
  let body: unknown = 1;
  for (let i = 0; i < levels; i++) body = { a: body };
  return body;
};

describe('the shape of a JSON request body', () => {
  it(`lets ${MAX_JSON_BODY_DEPTH} levels of objects through and refuses one more, naming where`, () => {
    expect(jsonShapeProblem(nestedObjects(MAX_JSON_BODY_DEPTH))).toBeUndefined();
    const problem = jsonShapeProblem(nestedObjects(MAX_JSON_BODY_DEPTH + 1));
    expect(problem).toEqual({
      field: Array.from({ length: MAX_JSON_BODY_DEPTH }, () => 'a').join('.'),
      constraint: 'maxDepth',
      message: expect.stringContaining(`deeper than ${MAX_JSON_BODY_DEPTH} levels`),
    });
  });

  it('measures a body nested 100,000 levels deep without exhausting the stack', () => {
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)) as unknown;
    expect(jsonShapeProblem(deep)).toMatchObject({
      field: 'body' + '[0]'.repeat(MAX_JSON_BODY_DEPTH),
      constraint: 'maxDepth',
    });
  });

  it('names array positions in brackets and properties with dots', () => {
    const body = { assessments: [{ values: nestedObjects(MAX_JSON_BODY_DEPTH) }] };
    expect(jsonShapeProblem(body)?.field).toMatch(/^assessments\[0\]\.values(\.a)+$/);
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'])(
    'refuses a key named %s at any depth as an unknown property',
    (name) => {
      const body = JSON.parse(`{"assessments": [{"type": "mmse", "values": {"total": 29, "${name}": 1}}]}`);
      expect(jsonShapeProblem(body)).toEqual({
        field: `assessments[0].values.${name}`,
        constraint: 'whitelistValidation',
        message: `property assessments[0].values.${name} should not exist`,
      });
    },
  );

  it('refuses a query parameter named after a prototype member, by its name', () => {
    expect(jsonShapeProblem({ page: '2', constructor: '1' })).toMatchObject({
      field: 'constructor',
      constraint: 'whitelistValidation',
    });
  });

  it('accepts an ordinary body, and no body at all', () => {
    expect(
      jsonShapeProblem({
        visitDate: '2026-07-16',
        assessments: [{ type: 'mmse', values: { total: 29 } }],
      }),
    ).toBeUndefined();
    expect(jsonShapeProblem(undefined)).toBeUndefined();
  });
});
