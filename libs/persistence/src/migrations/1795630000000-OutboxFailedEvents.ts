import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `outbox_event.failed_at`: set on a row the relay can never turn into a job (a topic no job handles, a payload
 * without the ids its job needs). Such a row is set aside for a person to look at instead of being retried on
 * every pass, where it would hold its place at the head of the outbox forever.
 */
export class OutboxFailedEvents1795630000000 implements MigrationInterface {
  name = 'OutboxFailedEvents1795630000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "outbox_event" ADD "failed_at" TIMESTAMP WITH TIME ZONE`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "outbox_event" DROP COLUMN "failed_at"`);
  }
}
