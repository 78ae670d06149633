/**
 * Amyloid PET SUVR to Centiloid (CL = slope x SUVR + intercept), one published equation per tracer, pipeline
 * and reference region (shared/domain/facts.md section 4.3; only equations marked confirmed there).
 * A combination without an equation gets no Centiloid: the SUVR is kept and nothing is guessed.
 */
export enum AmyloidTracer {
  Florbetapir = 'florbetapir',
  Florbetaben = 'florbetaben',
  Flutemetamol = 'flutemetamol',
  PiB = 'pib',
  Nav4694 = 'nav4694',
}

export enum PetPipeline {
  StandardCentiloid = 'standard_centiloid',
  AdniBerkeley = 'adni_berkeley',
  Avid = 'avid',
  Pmod = 'pmod',
  Fsl = 'fsl',
}

export enum ReferenceRegion {
  WholeCerebellum = 'whole_cerebellum',
  CerebellarGrey = 'cerebellar_grey',
  Pons = 'pons',
  CompositeWhiteMatter = 'composite_white_matter',
}

export interface CentiloidEquation {
  id: string;
  tracer: AmyloidTracer;
  pipeline: PetPipeline;
  referenceRegion: ReferenceRegion;
  slope: number;
  intercept: number;
  source: string;
}

const WC = ReferenceRegion.WholeCerebellum;

export const CENTILOID_EQUATIONS: readonly CentiloidEquation[] = [
  {
    id: 'fbb-standard-rowe2017',
    tracer: AmyloidTracer.Florbetaben,
    pipeline: PetPipeline.StandardCentiloid,
    referenceRegion: WC,
    slope: 153.4,
    intercept: -154.9,
    source: 'Rowe et al., EJNMMI 2017, doi 10.1007/s00259-017-3749-6',
  },
  {
    id: 'fbb-adni-berkeley',
    tracer: AmyloidTracer.Florbetaben,
    pipeline: PetPipeline.AdniBerkeley,
    referenceRegion: WC,
    slope: 157.15,
    intercept: -151.87,
    source: 'ADNI/Berkeley FBB methods (admiralneuro compute_centiloid)',
  },
  {
    id: 'fmm-standard-battle2018',
    tracer: AmyloidTracer.Flutemetamol,
    pipeline: PetPipeline.StandardCentiloid,
    referenceRegion: WC,
    slope: 121.42,
    intercept: -121.16,
    source: 'Battle et al., EJNMMI Res 2018;8:107',
  },
  {
    id: 'fmm-pmod-battle2018',
    tracer: AmyloidTracer.Flutemetamol,
    pipeline: PetPipeline.Pmod,
    referenceRegion: WC,
    slope: 115.24,
    intercept: -107.86,
    source: 'Battle et al., EJNMMI Res 2018;8:107',
  },
  {
    id: 'fmm-fsl-battle2018',
    tracer: AmyloidTracer.Flutemetamol,
    pipeline: PetPipeline.Fsl,
    referenceRegion: WC,
    slope: 120.32,
    intercept: -112.75,
    source: 'Battle et al., EJNMMI Res 2018;8:107',
  },
  {
    id: 'fbp-avid-navitsky2018',
    tracer: AmyloidTracer.Florbetapir,
    pipeline: PetPipeline.Avid,
    referenceRegion: WC,
    slope: 183,
    intercept: -177,
    source: 'Navitsky et al., Alz Dement 2018, doi 10.1016/j.jalz.2018.06.1353',
  },
  {
    id: 'fbp-adni-berkeley',
    tracer: AmyloidTracer.Florbetapir,
    pipeline: PetPipeline.AdniBerkeley,
    referenceRegion: WC,
    slope: 188.22,
    intercept: -189.16,
    source: 'ADNI/Berkeley FBP methods (admiralneuro compute_centiloid)',
  },
  // CL = 100 x (SUVR - 1.009) / 1.067, written as slope and intercept.
  {
    id: 'pib-standard-klunk2015',
    tracer: AmyloidTracer.PiB,
    pipeline: PetPipeline.StandardCentiloid,
    referenceRegion: WC,
    slope: 100 / 1.067,
    intercept: (-100 * 1.009) / 1.067,
    source: 'Klunk et al., Alzheimers Dement 2015;11:1-15',
  },
];

export function findCentiloidEquation(
  tracer: AmyloidTracer,
  pipeline: PetPipeline,
  referenceRegion: ReferenceRegion,
): CentiloidEquation | undefined {
  return CENTILOID_EQUATIONS.find(
    (e) => e.tracer === tracer && e.pipeline === pipeline && e.referenceRegion === referenceRegion,
  );
}

/**
 * Why a scan has no Centiloid, in words a coordinator can act on (often the pipeline or reference region was
 * typed wrong): "no published equation for <tracer> / <pipeline> / <reference region>".
 */
export function centiloidUnavailableNote(
  tracer: AmyloidTracer,
  pipeline: PetPipeline,
  referenceRegion: ReferenceRegion,
): string {
  return `no published equation for ${tracer} / ${pipeline} / ${referenceRegion}`;
}

/** Centiloid to one decimal, with the equation used; undefined when no published equation fits. */
export function toCentiloid(
  suvr: number,
  tracer: AmyloidTracer,
  pipeline: PetPipeline,
  referenceRegion: ReferenceRegion,
): { centiloid: number; equationId: string } | undefined {
  const equation = findCentiloidEquation(tracer, pipeline, referenceRegion);
  if (!equation) return undefined;
  return {
    centiloid: Math.round((equation.slope * suvr + equation.intercept) * 10) / 10,
    equationId: equation.id,
  };
}
