import { canonicalJson } from './canonical-json';

describe('canonicalJson: the same data gives the same text', () => {
  it('ignores the order of keys at every depth', () => {
    const sent = {
      visitDate: '2027-01-05',
      assessments: [{ type: 'mmse', values: { total: 29, form: 'A' } }],
    };
    const retried = {
      assessments: [{ values: { form: 'A', total: 29 }, type: 'mmse' }],
      visitDate: '2027-01-05',
    };
    expect(canonicalJson(retried)).toBe(canonicalJson(sent));
    expect(JSON.stringify(retried)).not.toBe(JSON.stringify(sent));
  });

  it('keeps the order of arrays and tells different values apart', () => {
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
    expect(canonicalJson({ a: { b: 1 } })).not.toBe(canonicalJson({ a: { b: 2 } }));
  });

  it('leaves out undefined properties and writes dates as JSON.stringify does', () => {
    const day = new Date('2027-01-05T00:00:00Z');
    expect(canonicalJson({ b: undefined, a: day })).toBe(JSON.stringify({ a: day }));
  });
});
