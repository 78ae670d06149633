import { EventTopic } from '@registry/jobs';
import type { EntityManager } from 'typeorm';
import { participantChanged, recordAuditedChange } from './audited-change';

/** A transaction manager that records the statements sent through it. */
const fakeManager = (inTransaction: boolean) => {
  const statements: { sql: string; params: unknown[] }[] = [];
  const manager = {
    queryRunner: { isTransactionActive: inTransaction },
    query: (sql: string, params: unknown[]) => {
      statements.push({ sql, params });
      return Promise.resolve([]);
    },
  } as unknown as EntityManager;
  return { manager, statements };
};

describe('recordAuditedChange', () => {
  it('writes the audit row and then the outbox event through the same transaction manager', async () => {
    const { manager, statements } = fakeManager(true);
    await recordAuditedChange(
      manager,
      { action: 'visit.recorded', entityType: 'visit', entityId: 'v-1', siteId: 's-1', reason: null },
      participantChanged('p-1', 'visit'),
    );
    expect(statements.map((s) => s.sql.match(/INSERT INTO (\w+)/)?.[1])).toEqual([
      'audit_event',
      'outbox_event',
    ]);
    expect(statements[0].params.slice(2, 6)).toEqual(['visit.recorded', 'visit', 'v-1', 's-1']);
    expect(statements[1].params).toEqual([
      EventTopic.ParticipantChanged,
      'participant',
      'p-1',
      JSON.stringify({ participantId: 'p-1', cause: 'visit' }),
    ]);
  });

  it('writes neither outside a transaction', async () => {
    const { manager, statements } = fakeManager(false);
    await expect(
      recordAuditedChange(
        manager,
        { action: 'visit.recorded', entityType: 'visit' },
        participantChanged('p-1', 'visit'),
      ),
    ).rejects.toThrow('must be written inside the transaction of the change');
    expect(statements).toEqual([]);
  });
});
