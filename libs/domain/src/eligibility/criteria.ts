import type { AmyloidModality, AmyloidStatus } from '../biomarkers/amyloid-status';
import type { ConsentScope } from '../consent/consent-scope';
import type { ParticipantStatus } from '../participants/participant-status';
import type { MeasureName } from './measures';

/**
 * The criteria language: a JSON tree of combinators and leaves, stored as a versioned document per trial.
 * Every leaf is evaluated to pass, fail or unknown; `maxAgeDays` turns data older than that into unknown.
 */
export type Criterion =
  | { type: 'all'; of: Criterion[] }
  | { type: 'any'; of: Criterion[] }
  | { type: 'not'; of: Criterion }
  | { type: 'age'; min?: number; max?: number }
  | { type: 'sex'; in: string[] }
  | { type: 'education_years'; min?: number; max?: number }
  | { type: 'apoe_e4_alleles'; min?: number; max?: number }
  /** A first-degree relative with dementia; `onsetBeforeAge` also requires their onset before that age. */
  | { type: 'family_history'; onsetBeforeAge?: number }
  | { type: 'study_partner' }
  | { type: 'status'; in: ParticipantStatus[] }
  | { type: 'consent'; scope: ConsentScope }
  | MeasureCriterion
  | AmyloidCriterion
  /** Not currently referred to, or taking part in, another trial. */
  | { type: 'not_in_other_trial' };

/**
 * Amyloid status by the accepted modalities. By default the most recent result among them decides (the
 * registry's rule for a participant's amyloid status). With `decidedBy: 'any_modality'` each modality's own
 * latest result counts: it passes when any of them is in `in`, fails when some have a result and none is,
 * and is unknown only when none has one ("known elevated amyloid from a PET or a CSF", where a positive CSF
 * is not withdrawn by a later PET that reads differently).
 */
export interface AmyloidCriterion {
  type: 'amyloid';
  in: AmyloidStatus[];
  modalities: AmyloidModality[];
  maxAgeDays?: number;
  decidedBy?: AmyloidDecidedBy;
}

export type AmyloidDecidedBy = 'latest_result' | 'any_modality';
export const AMYLOID_DECIDED_BY: readonly AmyloidDecidedBy[] = ['latest_result', 'any_modality'];

export type Comparator = '=' | '<' | '<=' | '>' | '>=' | 'between' | 'in';
export const COMPARATORS: readonly Comparator[] = ['=', '<', '<=', '>', '>=', 'between', 'in'];

export interface MeasureCriterion {
  type: 'measure';
  measure: MeasureName;
  /** Tracer, platform or analyte, for measures that need one (see MEASURES). */
  qualifier?: string;
  comparator: Comparator;
  value?: number | string | boolean;
  min?: number;
  max?: number;
  values?: (number | string | boolean)[];
  maxAgeDays?: number;
}

export interface CriteriaDocument {
  /** Version of the criteria language, not of the trial's criteria. */
  language: 1;
  criteria: Criterion;
}
