/** Amyloid status as three states plus unknown (plasma tests report an intermediate band; facts.md section 5). */
export enum AmyloidStatus {
  Negative = 'negative',
  Intermediate = 'intermediate',
  Positive = 'positive',
  Unknown = 'unknown',
}

export enum AmyloidModality {
  Pet = 'pet',
  Csf = 'csf',
  Plasma = 'plasma',
}

/** Centiloid bands; the defaults are AMYPAD's (Collij et al., Alz Dement 2024): < 10 negative, > 30 positive. */
export interface CentiloidBands {
  negativeBelow: number;
  positiveAbove: number;
}

export const DEFAULT_CENTILOID_BANDS: CentiloidBands = { negativeBelow: 10, positiveAbove: 30 };

export function statusFromCentiloid(
  centiloid: number,
  bands: CentiloidBands = DEFAULT_CENTILOID_BANDS,
): AmyloidStatus {
  if (centiloid < bands.negativeBelow) return AmyloidStatus.Negative;
  if (centiloid > bands.positiveAbove) return AmyloidStatus.Positive;
  return AmyloidStatus.Intermediate;
}

export interface ModalityResult {
  modality: AmyloidModality;
  status: AmyloidStatus;
  /** ISO date of the sample or scan. */
  date: string;
}

/**
 * The participant's current amyloid status: the most recent known result among the accepted modalities,
 * with the modality and date it came from (so a trial can accept PET only, PET or CSF, or plasma).
 */
export function currentAmyloidStatus(
  results: ModalityResult[],
  accepted: AmyloidModality[] = [AmyloidModality.Pet, AmyloidModality.Csf, AmyloidModality.Plasma],
): ModalityResult | { status: AmyloidStatus.Unknown } {
  const latest = results
    .filter((r) => accepted.includes(r.modality) && r.status !== AmyloidStatus.Unknown)
    .sort((a, b) => b.date.localeCompare(a.date))[0];
  return latest ?? { status: AmyloidStatus.Unknown };
}
