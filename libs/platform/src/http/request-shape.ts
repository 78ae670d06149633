import type { NextFunction, Request, Response } from 'express';
import type { ErrorDetail } from '../errors/domain-error';
import { ValidationFailedException } from '../errors/validation-failed.exception';

/**
 * How many levels of objects and arrays a JSON request body may nest. Every legitimate body fits: the deepest is
 * a criteria document, and a criterion one level below its own limit (12 criterion levels, 2 JSON levels each,
 * under 2 levels of wrapper) sits at level 27, so it still reaches the criteria validator, which names it by path.
 */
export const MAX_JSON_BODY_DEPTH = 32;

/**
 * Keys that name a member of Object.prototype. class-transformer, which turns every body into a DTO, crashes on
 * `constructor` and silently drops the others, so they are refused here, before it runs, as unknown properties.
 */
const PROTOTYPE_MEMBER_NAMES: ReadonlySet<string> = new Set([
  '__proto__',
  ...Object.getOwnPropertyNames(Object.prototype),
]);

/** `assessments[0].values.total`; the elements of a body that is itself an array are `body[0]`, `body[1]`. */
const pathOf = (parent: string, key: string | number): string =>
  typeof key === 'number' ? `${parent || 'body'}[${key}]` : parent ? `${parent}.${key}` : key;

/**
 * The first problem of the shape of a parsed JSON body (or query string), or undefined: nesting deeper than `maxDepth` (reported at
 * the first path that goes too deep) or a key named after a member of Object.prototype. Walks with its own
 * stack, so a body nested thousands of levels deep is measured without exhausting the call stack.
 */
export function jsonShapeProblem(body: unknown, maxDepth = MAX_JSON_BODY_DEPTH): ErrorDetail | undefined {
  const pending: { value: unknown; path: string; depth: number }[] = [{ value: body, path: '', depth: 0 }];
  while (pending.length > 0) {
    const { value, path, depth } = pending.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= maxDepth) {
      const field = path || 'body';
      return {
        field,
        constraint: 'maxDepth',
        message: `${field} nests deeper than ${maxDepth} levels, the most a request body may`,
      };
    }
    if (Array.isArray(value)) {
      value.forEach((item, index) =>
        pending.push({ value: item, path: pathOf(path, index), depth: depth + 1 }),
      );
      continue;
    }
    for (const key of Object.keys(value)) {
      const field = pathOf(path, key);
      if (PROTOTYPE_MEMBER_NAMES.has(key)) {
        return { field, constraint: 'whitelistValidation', message: `property ${field} should not exist` };
      }
      pending.push({ value: (value as Record<string, unknown>)[key], path: field, depth: depth + 1 });
    }
  }
  return undefined;
}

/**
 * Refuses, with 400 naming the field, a parsed JSON body that nests too deeply, and a body or query string with a
 * key named after a prototype member (`?constructor=1` would otherwise be dropped where `?colour=1` is refused).
 */
export function requestShapeMiddleware(req: Request, _res: Response, next: NextFunction): void {
  const problem = jsonShapeProblem(req.query) ?? jsonShapeProblem(req.body);
  next(problem ? new ValidationFailedException([problem]) : undefined);
}
