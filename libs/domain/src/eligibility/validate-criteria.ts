import { AmyloidModality, AmyloidStatus } from '../biomarkers/amyloid-status';
import { CONSENT_SCOPES } from '../consent/consent-scope';
import { ParticipantStatus } from '../participants/participant-status';
import { AMYLOID_DECIDED_BY, COMPARATORS, CriteriaDocument } from './criteria';
import { MEASURE_NAMES, MEASURES, MeasureDefinition } from './measures';

export interface CriteriaProblem {
  /** JSON path of the offending node, e.g. `$.criteria.of[2].min`. */
  path: string;
  constraint: string;
  message: string;
}

const MAX_DEPTH = 12;
const MAX_NODES = 500;
const SEXES = ['female', 'male', 'other', 'not_stated'];

type Node = Record<string, unknown>;

/** Every problem of a criteria document, each with its JSON path; an empty list means it can be stored. */
export function validateCriteriaDocument(document: unknown): CriteriaProblem[] {
  const problems: CriteriaProblem[] = [];
  const add = (path: string, constraint: string, message: string): void => {
    problems.push({ path, constraint, message: `${path}: ${message}` });
  };
  if (!isObject(document)) {
    add('$', 'isObject', 'the criteria document must be an object { language: 1, criteria: {...} }');
    return problems;
  }
  checkKeys(document, ['language', 'criteria'], '$', add);
  if (document.language !== 1) add('$.language', 'equals', 'language must be 1');
  let nodes = 0;
  const visit = (node: unknown, path: string, depth: number): void => {
    if (++nodes > MAX_NODES) {
      if (nodes === MAX_NODES + 1) add(path, 'maxNodes', `criteria may have at most ${MAX_NODES} nodes`);
      return;
    }
    if (depth > MAX_DEPTH) return add(path, 'maxDepth', `criteria may nest at most ${MAX_DEPTH} levels`);
    if (!isObject(node)) return add(path, 'isObject', 'a criterion must be an object with a "type"');
    const at = (key: string) => `${path}.${key}`;
    switch (node.type) {
      case 'all':
      case 'any':
        checkKeys(node, ['type', 'of'], path, add);
        if (!Array.isArray(node.of) || node.of.length === 0)
          return add(at('of'), 'arrayNotEmpty', `"${node.type}" needs a non-empty list in "of"`);
        node.of.forEach((child, i) => visit(child, `${path}.of[${i}]`, depth + 1));
        return;
      case 'not':
        checkKeys(node, ['type', 'of'], path, add);
        return visit(node.of, at('of'), depth + 1);
      case 'age':
      case 'education_years':
      case 'apoe_e4_alleles': {
        checkKeys(node, ['type', 'min', 'max'], path, add);
        const limit = node.type === 'age' ? 130 : node.type === 'education_years' ? 30 : 2;
        checkRange(node, path, 0, limit, add);
        return;
      }
      case 'sex':
        checkKeys(node, ['type', 'in'], path, add);
        return checkList(node.in, at('in'), SEXES, add);
      case 'family_history':
        checkKeys(node, ['type', 'onsetBeforeAge'], path, add);
        if (node.onsetBeforeAge !== undefined && !isNumberIn(node.onsetBeforeAge, 20, 110)) {
          add(at('onsetBeforeAge'), 'range', 'onsetBeforeAge must be a number from 20 to 110');
        }
        return;
      case 'study_partner':
      case 'not_in_other_trial':
        checkKeys(node, ['type'], path, add);
        return;
      case 'status':
        checkKeys(node, ['type', 'in'], path, add);
        return checkList(node.in, at('in'), Object.values(ParticipantStatus), add);
      case 'consent':
        checkKeys(node, ['type', 'scope'], path, add);
        if (!CONSENT_SCOPES.includes(node.scope as never))
          add(at('scope'), 'isIn', `scope must be one of ${CONSENT_SCOPES.join(', ')}`);
        return;
      case 'amyloid':
        checkKeys(node, ['type', 'in', 'modalities', 'maxAgeDays', 'decidedBy'], path, add);
        checkList(
          node.in,
          at('in'),
          [AmyloidStatus.Negative, AmyloidStatus.Intermediate, AmyloidStatus.Positive],
          add,
        );
        checkList(node.modalities, at('modalities'), Object.values(AmyloidModality), add);
        checkMaxAge(node, path, add);
        if (node.decidedBy !== undefined && !AMYLOID_DECIDED_BY.includes(node.decidedBy as never))
          add(at('decidedBy'), 'isIn', `decidedBy must be one of ${AMYLOID_DECIDED_BY.join(', ')}`);
        return;
      case 'measure':
        return checkMeasure(node, path, add);
      default:
        add(at('type'), 'isIn', `unknown criterion type ${JSON.stringify(node.type)}`);
    }
  };
  if (document.criteria === undefined) add('$.criteria', 'isDefined', 'criteria is required');
  else visit(document.criteria, '$.criteria', 1);
  return problems;
}

export function isCriteriaDocument(document: unknown): document is CriteriaDocument {
  return validateCriteriaDocument(document).length === 0;
}

type Add = (path: string, constraint: string, message: string) => void;

function checkMeasure(node: Node, path: string, add: Add): void {
  const at = (key: string) => `${path}.${key}`;
  checkKeys(
    node,
    ['type', 'measure', 'qualifier', 'comparator', 'value', 'min', 'max', 'values', 'maxAgeDays'],
    path,
    add,
  );
  const definition = (MEASURES as Record<string, MeasureDefinition>)[node.measure as string];
  if (!definition) {
    add(
      at('measure'),
      'isIn',
      `unknown measure ${JSON.stringify(node.measure)}; known: ${MEASURE_NAMES.join(', ')}`,
    );
    return;
  }
  if (definition.qualifier && typeof node.qualifier !== 'string') {
    add(
      at('qualifier'),
      'isDefined',
      `${node.measure as string} needs a qualifier naming the ${definition.qualifier}`,
    );
  }
  if (!definition.qualifier && node.qualifier !== undefined)
    add(at('qualifier'), 'notAllowed', `${node.measure as string} takes no qualifier`);
  checkMaxAge(node, path, add);
  const comparator = node.comparator as string;
  if (!COMPARATORS.includes(comparator as never)) {
    add(at('comparator'), 'isIn', `comparator must be one of ${COMPARATORS.join(', ')}`);
    return;
  }
  const valueFits = (value: unknown) =>
    definition.kind === 'number'
      ? typeof value === 'number' && Number.isFinite(value)
      : definition.kind === 'boolean'
        ? typeof value === 'boolean'
        : typeof value === 'string' && (definition.values ?? []).includes(value);
  const expected =
    definition.kind === 'enum' ? `one of ${(definition.values ?? []).join(', ')}` : `a ${definition.kind}`;
  if (definition.kind !== 'number' && !['=', 'in'].includes(comparator)) {
    add(
      at('comparator'),
      'isIn',
      `${node.measure as string} is ${definition.kind === 'boolean' ? 'true/false' : 'a category'}: use "=" or "in"`,
    );
    return;
  }
  if (comparator === 'between') {
    if (typeof node.min !== 'number' || typeof node.max !== 'number')
      return add(path, 'minMax', '"between" needs numbers in min and max');
    if (node.min > node.max)
      add(path, 'minNotAboveMax', `"between" has min ${node.min} above max ${node.max}`);
  } else if (comparator === 'in') {
    if (!Array.isArray(node.values) || node.values.length === 0)
      return add(at('values'), 'arrayNotEmpty', '"in" needs a non-empty list in values');
    node.values.forEach((value, i) => {
      if (!valueFits(value)) add(`${path}.values[${i}]`, 'type', `each value must be ${expected}`);
    });
  } else if (!valueFits(node.value)) {
    add(at('value'), 'type', `value must be ${expected}`);
  }
}

function checkRange(node: Node, path: string, lowest: number, highest: number, add: Add): void {
  if (node.min === undefined && node.max === undefined) add(path, 'minOrMax', 'give min, max or both');
  for (const key of ['min', 'max'] as const) {
    // Ages (whole years, as clinicians count them), years of education and e4 alleles are whole numbers.
    if (node[key] !== undefined && !(Number.isInteger(node[key]) && isNumberIn(node[key], lowest, highest))) {
      add(`${path}.${key}`, 'range', `${key} must be a whole number from ${lowest} to ${highest}`);
    }
  }
  if (typeof node.min === 'number' && typeof node.max === 'number' && node.min > node.max) {
    add(path, 'minNotAboveMax', `min ${node.min} is above max ${node.max}`);
  }
}

function checkMaxAge(node: Node, path: string, add: Add): void {
  if (
    node.maxAgeDays !== undefined &&
    !(
      Number.isInteger(node.maxAgeDays) &&
      (node.maxAgeDays as number) > 0 &&
      (node.maxAgeDays as number) <= 36500
    )
  ) {
    add(`${path}.maxAgeDays`, 'range', 'maxAgeDays must be a whole number of days from 1 to 36500');
  }
}

function checkList(value: unknown, path: string, allowed: readonly string[], add: Add): void {
  if (!Array.isArray(value) || value.length === 0)
    return add(path, 'arrayNotEmpty', `needs a non-empty list of ${allowed.join(', ')}`);
  value.forEach((item, i) => {
    if (!allowed.includes(item as string))
      add(`${path}[${i}]`, 'isIn', `must be one of ${allowed.join(', ')}`);
  });
}

function checkKeys(node: Node, allowed: string[], path: string, add: Add): void {
  for (const key of Object.keys(node)) {
    if (!allowed.includes(key)) add(`${path}.${key}`, 'whitelistValidation', `unknown property "${key}"`);
  }
}

const isObject = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isNumberIn = (value: unknown, min: number, max: number) =>
  typeof value === 'number' && value >= min && value <= max;
