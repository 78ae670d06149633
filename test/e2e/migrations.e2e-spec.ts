import { loadConfig } from '@registry/config';
import { dataSourceOptions, MIGRATIONS } from '@registry/persistence';
import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/**
 * Every migration can be undone and done again: `npm run migration:revert` is the way back from a bad
 * release, so each `down` must give back exactly the schema before its `up`, down to each function's body.
 */
describe('migrations', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  /**
   * Columns with their types, constraints, indexes, triggers, functions and privileges (of the app role among
   * others) of the public schema, leaving out TypeORM's own bookkeeping table and the functions of extensions.
   */
  const schema = async () =>
    (
      await dataSource.query<{ item: string }[]>(
        `SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable AS item
           FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'schema_migrations'
         UNION ALL SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
           FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid <> 'schema_migrations'::regclass
         UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'schema_migrations'
         UNION ALL SELECT 'trigger ' || tgrelid::regclass || ' ' || tgname FROM pg_trigger WHERE NOT tgisinternal
         UNION ALL SELECT 'function ' || p.oid::regprocedure || ' ' || md5(pg_get_functiondef(p.oid))
           FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
            AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
         UNION ALL SELECT 'privileges ' || c.relname || ' ' || (
             SELECT string_agg(item::text, ',' ORDER BY item::text)
               FROM unnest(coalesce(c.relacl, acldefault((CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END)::"char", c.relowner))) item)
           FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'S')
            AND c.relname NOT LIKE 'schema_migrations%'
         UNION ALL SELECT 'default privileges ' || d.defaclobjtype::text || ' ' || d.defaclacl::text FROM pg_default_acl d
         ORDER BY 1`,
      )
    ).map((row) => row.item);

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = new DataSource(
      // As the owner, as `npm run migration:revert` connects.
      dataSourceOptions(loadConfig({ ...process.env, DATABASE_URL: database.ownerUrl }), 'migrations-test'),
    );
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('undoes each migration, newest first, to exactly the schema before it was done', async () => {
    // downs[j]: the schema after undoing the newest j migrations.
    const downs = [await schema()];
    for (let undone = 1; undone <= MIGRATIONS.length; undone++) {
      await dataSource.undoLastMigration({ transaction: 'each' });
      downs.push(await schema());
    }
    // ups[k]: the schema after doing only the first k migrations, one more at a time.
    const ups = [await schema()];
    for (let done = 1; done <= MIGRATIONS.length; done++) {
      const firstOnes = new DataSource({ ...dataSource.options, migrations: MIGRATIONS.slice(0, done) });
      await firstOnes.initialize();
      try {
        expect(await firstOnes.runMigrations({ transaction: 'each' })).toHaveLength(1);
      } finally {
        await firstOnes.destroy();
      }
      ups.push(await schema());
    }
    expect(ups[0]).toEqual([]);
    for (let undone = 0; undone <= MIGRATIONS.length; undone++) {
      expect({ undone, schema: downs[undone] }).toEqual({ undone, schema: ups[MIGRATIONS.length - undone] });
    }
  });
});
