import {
  AmyloidTracer as T,
  centiloidUnavailableNote,
  PetPipeline as P,
  ReferenceRegion as R,
  toCentiloid,
} from './centiloid';

describe('SUVR to Centiloid', () => {
  // Expected values worked by hand from the published equations (facts.md section 4.3).
  it.each([
    [T.Florbetaben, P.StandardCentiloid, 1.3, 153.4 * 1.3 - 154.9],
    [T.Florbetaben, P.AdniBerkeley, 1.3, 157.15 * 1.3 - 151.87],
    [T.Flutemetamol, P.StandardCentiloid, 1.5, 121.42 * 1.5 - 121.16],
    [T.Flutemetamol, P.Pmod, 1.5, 115.24 * 1.5 - 107.86],
    [T.Flutemetamol, P.Fsl, 1.5, 120.32 * 1.5 - 112.75],
    [T.Florbetapir, P.Avid, 1.15, 183 * 1.15 - 177],
    [T.Florbetapir, P.AdniBerkeley, 1.15, 188.22 * 1.15 - 189.16],
    [T.PiB, P.StandardCentiloid, 2.076, 100],
    [T.PiB, P.StandardCentiloid, 1.009, 0],
  ])('%s via %s at SUVR %s', (tracer, pipeline, suvr, expected) => {
    const result = toCentiloid(suvr, tracer, pipeline, R.WholeCerebellum);
    expect(result).toBeDefined();
    expect(Math.abs(result!.centiloid - expected)).toBeLessThanOrEqual(0.1);
  });

  it('gives no Centiloid for a combination without a published equation', () => {
    expect(toCentiloid(1.2, T.Florbetapir, P.StandardCentiloid, R.WholeCerebellum)).toBeUndefined();
    expect(toCentiloid(1.2, T.Florbetapir, P.Avid, R.CerebellarGrey)).toBeUndefined();
    expect(toCentiloid(1.2, T.Nav4694, P.StandardCentiloid, R.WholeCerebellum)).toBeUndefined();
  });

  it('names the tracer, pipeline and reference region that have no published equation', () => {
    expect(centiloidUnavailableNote(T.Nav4694, P.StandardCentiloid, R.WholeCerebellum)).toBe(
      'no published equation for nav4694 / standard_centiloid / whole_cerebellum',
    );
  });

  it('names the equation it used', () => {
    expect(toCentiloid(1.2, T.Florbetapir, P.Avid, R.WholeCerebellum)?.equationId).toBe(
      'fbp-avid-navitsky2018',
    );
  });
});
