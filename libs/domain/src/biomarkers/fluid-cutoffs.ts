import { AmyloidStatus } from './amyloid-status';

/** Platforms are not interchangeable (facts.md section 5): every cut-off set names its platform. */
export enum FluidPlatform {
  RocheElecsys = 'roche_elecsys',
  FujirebioLumipulse = 'fujirebio_lumipulse',
  C2nPrecivity = 'c2n_precivity',
  AlzpathSimoa = 'alzpath_simoa',
  Other = 'other',
}

export enum CsfAnalyte {
  Abeta42 = 'abeta42',
  Abeta40 = 'abeta40',
  Ptau181 = 'ptau181',
  TotalTau = 'ttau',
}

export interface CsfRatios {
  ptau181_abeta42?: number;
  ttau_abeta42?: number;
  abeta42_abeta40?: number;
}

export interface CsfInterpretation {
  cutoffSet: string | null;
  status: AmyloidStatus;
}

/** Ratios from the analytes present (all in pg/mL), to four significant figures. */
export function csfRatios(values: Partial<Record<CsfAnalyte, number>>): CsfRatios {
  const ratio = (a?: number, b?: number) =>
    a !== undefined && b ? Number((a / b).toPrecision(4)) : undefined;
  const ratios: CsfRatios = {
    ptau181_abeta42: ratio(values.ptau181, values.abeta42),
    ttau_abeta42: ratio(values.ttau, values.abeta42),
    abeta42_abeta40: ratio(values.abeta42, values.abeta40),
  };
  return Object.fromEntries(Object.entries(ratios).filter(([, v]) => v !== undefined));
}

/**
 * Elecsys: pTau181/Abeta42 > 0.023 positive (van Harten et al., Alz Dement 2022; PMC9249966).
 * Lumipulse Abeta42/40: >= 0.073 negative, 0.059-0.072 likely positive (kept as intermediate), <= 0.058 positive
 * (FDA De Novo DEN200072). Other platforms have no cut-off set here: their status stays unknown.
 */
export function interpretCsf(platform: FluidPlatform, ratios: CsfRatios): CsfInterpretation {
  if (platform === FluidPlatform.RocheElecsys && ratios.ptau181_abeta42 !== undefined) {
    return {
      cutoffSet: 'elecsys-ptau181-abeta42-0.023',
      status: ratios.ptau181_abeta42 > 0.023 ? AmyloidStatus.Positive : AmyloidStatus.Negative,
    };
  }
  if (platform === FluidPlatform.FujirebioLumipulse && ratios.abeta42_abeta40 !== undefined) {
    const r = ratios.abeta42_abeta40;
    const status =
      r >= 0.073 ? AmyloidStatus.Negative : r > 0.058 ? AmyloidStatus.Intermediate : AmyloidStatus.Positive;
    return { cutoffSet: 'lumipulse-abeta42-40-DEN200072', status };
  }
  return { cutoffSet: null, status: AmyloidStatus.Unknown };
}
