import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * New eligibility flags get time-ordered ids: UUID version 7 (RFC 9562, section 5.7: 48 bits of Unix time
 * in milliseconds, then the version, the variant and random bits), made from `gen_random_uuid()` by
 * `uuid_time_ordered()`. PostgreSQL has no such function before 18, whose `uuidv7()` also spends the next
 * 12 bits on fractions of a millisecond; here they stay random, so ids of one millisecond are unordered.
 *
 * A first screen of a new trial raises a flag for every eligible or one-test-away participant in one pass.
 * With random ids each one landed on a random leaf page of the flag primary key, and after every checkpoint
 * the first change to a page writes the whole page to the WAL: 50,159 full pages (about 390 MiB) of the 5.7
 * GiB one trial's first screen wrote at 1,000,000 participants (docs/PERFORMANCE.md). Time-ordered ids are
 * added at the right edge of the index, a few pages per checkpoint. Ids already stored keep their values.
 */
export class FlagTimeOrderedIds1795730000000 implements MigrationInterface {
  name = 'FlagTimeOrderedIds1795730000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Byte 0-5: the milliseconds; bits 52 and 53 turn version 4 (0100) into 7 (0111); the variant is kept.
    await queryRunner.query(`
      CREATE FUNCTION uuid_time_ordered() RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
        SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
                        PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                        FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid
      $$`);
    await queryRunner.query(
      `ALTER TABLE "eligibility_flag" ALTER COLUMN "id" SET DEFAULT uuid_time_ordered()`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "eligibility_flag" ALTER COLUMN "id" SET DEFAULT gen_random_uuid()`);
    await queryRunner.query(`DROP FUNCTION uuid_time_ordered()`);
  }
}
