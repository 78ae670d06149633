/**
 * Keys whose values can carry identity or health data, compared without case, "_" or "-". A log line keeps the
 * key (so a reader sees that something was there) and loses the value, at any depth, whatever the object:
 * request bodies logged at debug level, error details (PostgreSQL's `detail` quotes the row that clashed,
 * TypeORM's `parameters` are the bound values), job outcomes.
 */
const SENSITIVE_KEYS = new Set(
  [
    // Names and contacts of participants, study partners and users.
    'name',
    'givenName',
    'familyName',
    'displayName',
    'studyPartner',
    'studyPartnerName',
    'studyPartnerContact',
    'email',
    'phone',
    'contact',
    'postalAddress',
    'address',
    'identity',
    'registryId',
    // Birth dates and the quasi-identifiers and clinical facts of a person.
    'birthDate',
    'dateOfBirth',
    'dateOfBirthAsGiven',
    'sex',
    'educationYears',
    'apoeGenotype',
    'familyHistory',
    'familyHistoryOnsetAge',
    'onsetAge',
    // Assessment values and what is derived from them (Centiloids, SUVRs, plasma results, scores).
    'assessments',
    'values',
    'derived',
    'result',
    'centiloid',
    'suvr',
    'amyloid',
    'explanation',
    // Free text a person writes can hold anything.
    'reason',
    'deviationReason',
    'cancelReason',
    'note',
    'notes',
    // Credentials.
    'password',
    'newPassword',
    'currentPassword',
    'token',
    'accessToken',
    'refreshToken',
    'authorization',
    'cookie',
    'setCookie',
    'secret',
    // What database drivers attach to errors: the clashing row, the bound values.
    'detail',
    'parameters',
  ].map(normaliseKey),
);

export const REDACTED = '[Redacted]';

function normaliseKey(key: string): string {
  return key.replace(/[-_]/g, '').toLowerCase();
}

/** True when a log field of this name may carry identity or health data. */
export function isSensitiveLogKey(key: string): boolean {
  return SENSITIVE_KEYS.has(normaliseKey(key));
}

const MAX_DEPTH = 12;

/**
 * A copy of `value` in which every sensitive key (see SENSITIVE_KEYS) holds REDACTED instead of its value, at
 * any depth. Plain objects and arrays are copied; anything else (an Error, a Date) is kept as it is, for the
 * serializers to handle. The input is never changed.
 */
export function redactSensitive(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) return value.map((item) => redactSensitive(item, depth + 1));
  if (!isPlainObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    copy[key] = isSensitiveLogKey(key) && field !== undefined ? REDACTED : redactSensitive(field, depth + 1);
  }
  return copy;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}
