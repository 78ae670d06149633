/**
 * JSON text that does not depend on the order of object keys: keys are sorted at every depth, array order
 * is kept (it carries meaning). Two bodies that parse to the same data give the same text, so a retry sent
 * with its keys in another order is recognised as the same request. Like JSON.stringify, undefined
 * properties are left out.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortedKeys(value)) ?? 'undefined';
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    sorted[key] = sortedKeys((value as Record<string, unknown>)[key]);
  }
  return sorted;
}
