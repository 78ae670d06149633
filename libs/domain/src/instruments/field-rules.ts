import { isCalendarDate, isWithinCalendarRange } from '../schedule/calendar';

/** Small, declarative checks for assessment values; each failure names the field and the rule. */
export interface FieldProblem {
  field: string;
  constraint: string;
  message: string;
}

export type FieldRule =
  | { kind: 'integer'; min: number; max: number; optional?: boolean }
  | { kind: 'number'; min: number; max: number; step?: number; exclusiveMin?: boolean; optional?: boolean }
  | { kind: 'enum'; values: readonly (string | number)[]; optional?: boolean }
  | { kind: 'boolean'; optional?: boolean }
  | { kind: 'date'; optional?: boolean };

export type FieldRules = Record<string, FieldRule>;

export function checkFields(
  values: Record<string, unknown>,
  rules: FieldRules,
  path: string,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const problem = (field: string, constraint: string, message: string) =>
    problems.push({ field: `${path}.${field}`, constraint, message: `${path}.${field} ${message}` });

  // Own properties only: `key in rules` would take constructor, toString or __proto__ for fields of every
  // assessment, and a value read through the prototype would be one the caller never sent.
  for (const key of Object.keys(values)) {
    if (!Object.hasOwn(rules, key)) problem(key, 'whitelistValidation', 'is not a field of this assessment');
  }
  for (const [field, rule] of Object.entries(rules)) {
    const value = Object.hasOwn(values, field) ? values[field] : undefined;
    if (value === undefined || value === null) {
      if (!rule.optional) problem(field, 'isDefined', 'is required');
      continue;
    }
    switch (rule.kind) {
      case 'integer':
        if (typeof value !== 'number' || !Number.isInteger(value))
          problem(field, 'isInt', 'must be an integer');
        else if (value < rule.min || value > rule.max)
          problem(field, 'range', `must be between ${rule.min} and ${rule.max}`);
        break;
      case 'number':
        if (typeof value !== 'number' || !Number.isFinite(value))
          problem(field, 'isNumber', 'must be a number');
        else if (value < rule.min || value > rule.max || (rule.exclusiveMin && value === rule.min)) {
          problem(
            field,
            'range',
            `must be ${rule.exclusiveMin ? 'above' : 'between'} ${rule.min}${rule.exclusiveMin ? ' and at most' : ' and'} ${rule.max}`,
          );
        } else if (rule.step && Math.abs(value / rule.step - Math.round(value / rule.step)) > 1e-9) {
          problem(field, 'step', `must be a multiple of ${rule.step}`);
        }
        break;
      case 'enum':
        if (!rule.values.includes(value as string | number))
          problem(field, 'isIn', `must be one of ${rule.values.join(', ')}`);
        break;
      case 'boolean':
        if (typeof value !== 'boolean') problem(field, 'isBoolean', 'must be true or false');
        break;
      case 'date':
        if (typeof value !== 'string' || !isCalendarDate(value) || !isWithinCalendarRange(value)) {
          problem(field, 'isDate', 'must be a calendar day as YYYY-MM-DD from 1900-01-01 to 2200-12-31');
        }
        break;
    }
  }
  return problems;
}
