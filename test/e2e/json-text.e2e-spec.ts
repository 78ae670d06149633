import { jsonArrayText, jsonObjectText } from '@registry/persistence/screening/json-text';
import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '../support/test-database';

// The screening batch renders JSON by joining text (json-text.ts); it must say what PostgreSQL's own JSON
// functions say, for every kind of value a participant's document holds.
describe('JSON joined as text in SQL', () => {
  let database: TestDatabase;
  let client: Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    client = new Client({ connectionString: database.url });
    await client.connect();
    // The session's DateStyle must not change how days are written.
    await client.query(`SET DateStyle = 'SQL, DMY'`);
  });

  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  const values = `(VALUES
      ('plain', 42, true, DATE '2026-12-03', '[1, {"a": "b"}]'::json, '["x", 1]'::text),
      (E'quote " backslash \\\\ separators \\x1e\\x1f line\\nbreak tab\\t ünï', -7, false, DATE '-infinity', '{}'::json, '"JSON as text"'),
      (NULL, NULL, NULL, NULL, NULL, NULL)
    ) v(t, i, b, d, j, n)`;

  it('renders an object as json_build_object does, nulls and escapes included', async () => {
    const members = jsonObjectText([
      ['text', 'v.t'],
      ['number', 'v.i'],
      ['flag', 'v.b'],
      ['day', 'v.d'],
      ['document', { json: 'v.j' }],
      ['asText', { json: 'v.n' }],
    ]);
    const { rows } = await client.query<{ joined: string; built: string }>(
      `SELECT ${members} AS joined,
              json_build_object('text', v.t, 'number', v.i, 'flag', v.b, 'day', v.d, 'document', v.j,
                                'asText', v.n::json)::text AS built
         FROM ${values}`,
    );
    expect(rows).toHaveLength(3);
    for (const { joined, built } of rows) expect(JSON.parse(joined)).toEqual(JSON.parse(built));
    expect(JSON.parse(rows[1].joined)).toMatchObject({
      day: '-infinity',
      text: expect.stringContaining('\x1e'),
    });
    expect(JSON.parse(rows[0].joined).day).toBe('2026-12-03');
  });

  it('renders an array as json_build_array does', async () => {
    const { rows } = await client.query<{ joined: string; built: string }>(
      `SELECT ${jsonArrayText(['v.t', 'v.i', 'v.b', 'v.d', { json: 'v.j' }])} AS joined,
              json_build_array(v.t, v.i, v.b, v.d, v.j)::text AS built
         FROM ${values}`,
    );
    for (const { joined, built } of rows) expect(JSON.parse(joined)).toEqual(JSON.parse(built));
  });

  it('renders an empty object and an empty array', async () => {
    const { rows } = await client.query<{ object: string; array: string }>(
      `SELECT ${jsonObjectText([])} AS object, ${jsonArrayText([])} AS array`,
    );
    expect(rows).toEqual([{ object: '{}', array: '[]' }]);
  });

  it('refuses a key that would need escaping', () => {
    expect(() => jsonObjectText([[`it's`, 'v.t']])).toThrow(/not letters only/);
    expect(() => jsonObjectText([['a"b', 'v.t']])).toThrow(/not letters only/);
  });
});
