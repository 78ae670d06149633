import { Logger } from '@nestjs/common';
import { Environment } from '@registry/config';
import { JobName, PruneOutboxJobData } from '@registry/jobs';
import { FixedClock } from '@registry/platform';
import type { Job } from 'bullmq';
import {
  FakeAuditCheckpointRepository,
  FakeOutboxRepository,
  FakeTransactions,
} from '../../../../test/fakes';
import { MaintenanceProcessor } from './maintenance.processor';

const NOW = '2027-03-14T03:30:00.000Z';
const DAY = 24 * 60 * 60 * 1000;
const daysBefore = (days: number) => new Date(new Date(NOW).getTime() - days * DAY);

function setUp() {
  const outbox = new FakeOutboxRepository();
  const checkpoints = new FakeAuditCheckpointRepository();
  const config = Object.assign(new Environment(), { AUDIT_CHECKPOINT_KEY: 'checkpoint-key' });
  const processor = new MaintenanceProcessor(
    new FakeTransactions(),
    outbox,
    checkpoints,
    config,
    new FixedClock(NOW),
  );
  const prune = (olderThanDays: number) =>
    processor.handlers[JobName.PruneOutbox]!({ data: { olderThanDays } } as Job<PruneOutboxJobData>);
  const checkpoint = () =>
    processor.handlers[JobName.WriteAuditCheckpoint]!({ data: {} } as Job<Record<string, never>>);
  return { outbox, checkpoints, prune, checkpoint };
}

describe('MaintenanceProcessor', () => {
  let logs: jest.SpyInstance;
  beforeEach(() => {
    logs = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  describe('pruning the outbox', () => {
    it('deletes rows published more than the given days before now, and keeps newer and unpublished ones', async () => {
      const { outbox, prune } = setUp();
      outbox.add('participant.changed', {}, daysBefore(8));
      const lastWeek = outbox.add('participant.changed', {}, daysBefore(6));
      const waiting = outbox.add('participant.changed', {});

      expect(await prune(7)).toEqual({ status: 'done', detail: { deleted: 1 } });
      expect(outbox.rows.map((row) => row.id)).toEqual([lastWeek, waiting]);
    });

    it('reports a skip when nothing was old enough', async () => {
      const { outbox, prune } = setUp();
      outbox.add('participant.changed', {}, daysBefore(1));

      expect(await prune(7)).toEqual({ status: 'skipped', detail: { deleted: 0 } });
      expect(outbox.rows).toHaveLength(1);
    });
  });

  describe('writing an audit checkpoint', () => {
    it('signs the head of the chain with the configured key as of now, and logs a copy outside the database', async () => {
      const { checkpoints, checkpoint } = setUp();
      checkpoints.head = { id: '42', hash: 'hash-42' };

      expect(await checkpoint()).toEqual({
        status: 'done',
        detail: { checkpointId: '1', headEventId: '42' },
      });
      expect(checkpoints.checkpoints).toEqual([
        { id: '1', headEventId: '42', headHash: 'hash-42', createdAt: new Date(NOW), key: 'checkpoint-key' },
      ]);
      expect(logs).toHaveBeenCalledWith({
        msg: 'audit checkpoint written',
        checkpointId: '1',
        headEventId: '42',
        headHash: 'hash-42',
        createdAt: NOW,
        signature: 'signed-with-checkpoint-key',
      });
    });

    it('skips, saying why, when the head is signed already or the trail is empty', async () => {
      const { checkpoints, checkpoint } = setUp();
      expect(await checkpoint()).toEqual({ status: 'skipped', detail: { reason: 'empty_trail' } });

      checkpoints.head = { id: '42', hash: 'hash-42' };
      await checkpoint();
      expect(await checkpoint()).toEqual({ status: 'skipped', detail: { reason: 'head_unchanged' } });
      expect(checkpoints.checkpoints).toHaveLength(1);
      expect(logs).toHaveBeenCalledTimes(1);
    });
  });
});
