import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateOutbox1795490000000 implements MigrationInterface {
  name = 'CreateOutbox1795490000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "outbox_event" (
        "id" bigserial PRIMARY KEY,
        "topic" text NOT NULL CONSTRAINT "outbox_event_topic_format" CHECK ("topic" ~ '^[a-z_]+(\\.[a-z_]+)+$'),
        "aggregate_type" text NOT NULL,
        "aggregate_id" text NOT NULL,
        "payload" jsonb NOT NULL DEFAULT '{}'::jsonb,
        "occurred_at" timestamptz NOT NULL DEFAULT now(),
        "published_at" timestamptz NULL,
        "publish_attempts" integer NOT NULL DEFAULT 0,
        "last_error" text NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX "outbox_event_unpublished_idx" ON "outbox_event" ("id") WHERE published_at IS NULL`,
    );
    // NOTIFY is delivered only when the inserting transaction commits, which is exactly when the relay may act.
    await queryRunner.query(`
      CREATE FUNCTION "outbox_event_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('outbox_event', NEW.id::text);
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "outbox_event_notify" AFTER INSERT ON "outbox_event"
      FOR EACH ROW EXECUTE FUNCTION "outbox_event_notify"()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "outbox_event_notify" ON "outbox_event"`);
    await queryRunner.query(`DROP FUNCTION "outbox_event_notify"()`);
    await queryRunner.query(`DROP TABLE "outbox_event"`);
  }
}
