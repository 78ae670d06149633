/**
 * SQL that renders JSON as text by concatenation, for documents PostgreSQL builds in bulk (a screening
 * batch: a million participants in a re-screen). `json_build_object` and `json_agg` copy each value again into
 * every enclosing level and put spaces after commas and colons; joining text does neither, and costs the batch
 * statement less (the figures are in docs/PERFORMANCE.md). What is rendered is the same JSON: each scalar goes
 * through `to_json`, which escapes strings and writes dates in ISO form whatever the session's DateStyle.
 */

/**
 * One value of a JSON text: SQL of a scalar (rendered by `to_json`), or `json` for SQL that already gives
 * JSON, as `json` or as text. SQL NULL becomes JSON null either way.
 */
export type JsonTextValue = string | { json: string };

/** One member of a JSON object text: its key (letters only) and its value. */
export type JsonTextMember = readonly [key: string, value: JsonTextValue];

/** SQL of the JSON text of one value. */
export function jsonTextValue(value: JsonTextValue): string {
  return typeof value === 'string'
    ? `coalesce(to_json(${value})::text, 'null')`
    : `coalesce((${value.json})::text, 'null')`;
}

/** SQL of a JSON array text of the values, in order. */
export function jsonArrayText(values: readonly JsonTextValue[]): string {
  if (values.length === 0) return `'[]'`;
  return `('[' || ${values.map(jsonTextValue).join(` || ',' || `)} || ']')`;
}

/** SQL of a JSON object text of the members, keys in the order given. */
export function jsonObjectText(members: readonly JsonTextMember[]): string {
  if (members.length === 0) return `'{}'`;
  const rendered = members.map(([key, value]) => {
    // Keys are written into the SQL literal as they are, so they must need no escaping in SQL or JSON.
    if (!/^[A-Za-z]+$/.test(key))
      throw new Error(`JSON text: key ${JSON.stringify(key)} is not letters only`);
    return `'"${key}":' || ${jsonTextValue(value)}`;
  });
  return `('{' || ${rendered.join(` || ',' || `)} || '}')`;
}
