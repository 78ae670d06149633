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
  | { type: 'amyloid'; in: AmyloidStatus[]; modalities: AmyloidModality[]; maxAgeDays?: number }
  /** Not currently referred to, or taking part in, another trial. */
  | { type: 'not_in_other_trial' };

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
