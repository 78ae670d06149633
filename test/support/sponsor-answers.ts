/**
 * Numbers of a sponsor's answer that are not counts: the disclosure settings it states, the criteria version,
 * and the number of people the sponsor itself asked a site to refer.
 */
const NOT_COUNTS = new Set(['disclosure', 'criteriaVersion', 'requested']);

/** Every count of a sponsor-facing answer, wherever it sits. */
export function countsIn(value: unknown, into: number[] = []): number[] {
  if (typeof value === 'number') into.push(value);
  else if (Array.isArray(value)) value.forEach((item) => countsIn(item, into));
  else if (value && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) if (!NOT_COUNTS.has(key)) countsIn(item, into);
  return into;
}
