import type { CalendarDate } from '@registry/domain';
import type {
  NewScheduledVisit,
  ProtocolVisitEntity,
  ScheduledVisitEntity,
  ScheduleRepository,
  Tx,
  VisitWindow,
} from '@registry/persistence';
import { fakeId, Public } from './public';

export class FakeScheduleRepository implements Public<ScheduleRepository> {
  /** The cancellations asked for, and how many visits each is to report cancelled. */
  readonly cancellations: { participantId: string; from: CalendarDate; reason: string }[] = [];
  unattendedVisits = 0;
  /** Stored scheduled visits, by id. */
  readonly rows = new Map<string, ScheduledVisitEntity>();
  /** Ids read with `forUpdate`, in order. */
  readonly locked: string[] = [];

  /** `protocolVisitOf` resolves the protocol visit a listed scheduled visit joins (from a fake protocol store). */
  constructor(
    private readonly protocolVisitOf: (id: string) => ProtocolVisitEntity | undefined = () => undefined,
  ) {}

  /** Records the request and reports `unattendedVisits`; the stored rows are left as they are. */
  cancelUnattendedFrom(
    _tx: Tx,
    participantId: string,
    from: CalendarDate,
    _cancelledAt: Date,
    reason: string,
  ): Promise<number> {
    this.cancellations.push({ participantId, from, reason });
    return Promise.resolve(this.unattendedVisits);
  }

  insertPlanned(_tx: Tx, visits: NewScheduledVisit[]): Promise<void> {
    for (const visit of visits) {
      const taken = [...this.rows.values()].some(
        (row) => row.participantId === visit.participantId && row.protocolVisitId === visit.protocolVisitId,
      );
      // The unique key scheduled_visit_protocol_visit_key.
      if (taken) return Promise.reject(new Error('duplicate key scheduled_visit_protocol_visit_key'));
    }
    for (const visit of visits) this.add(visit);
    return Promise.resolve();
  }

  findOfParticipant(
    _tx: Tx,
    participantId: string,
    scheduledVisitId: string,
    forUpdate = false,
  ): Promise<ScheduledVisitEntity | null> {
    if (forUpdate) this.locked.push(scheduledVisitId);
    const row = this.rows.get(scheduledVisitId);
    return Promise.resolve(row && row.participantId === participantId ? { ...row } : null);
  }

  listOf(_tx: Tx, participantId: string): Promise<ScheduledVisitEntity[]> {
    return Promise.resolve(
      [...this.rows.values()]
        .filter((row) => row.participantId === participantId)
        .sort((a, b) => a.windowStart.localeCompare(b.windowStart))
        .map((row) => ({ ...row, protocolVisit: this.protocolVisitOf(row.protocolVisitId) })),
    );
  }

  move(_tx: Tx, scheduledVisitId: string, window: VisitWindow): Promise<void> {
    const { targetDate, windowStart, windowEnd } = window;
    this.update(scheduledVisitId, { targetDate, windowStart, windowEnd });
    return Promise.resolve();
  }

  cancel(_tx: Tx, scheduledVisitId: string, cancelledAt: Date, reason: string): Promise<void> {
    this.update(scheduledVisitId, { cancelledAt, cancelReason: reason });
    return Promise.resolve();
  }

  /** Stores a scheduled visit, open unless the fields say otherwise. */
  add(fields: NewScheduledVisit & Partial<ScheduledVisitEntity>): ScheduledVisitEntity {
    const row: ScheduledVisitEntity = {
      id: fakeId(),
      cancelledAt: null,
      cancelReason: null,
      status: 'scheduled',
      missedOn: null,
      ...fields,
    };
    this.rows.set(row.id, row);
    return row;
  }

  private update(scheduledVisitId: string, fields: Partial<ScheduledVisitEntity>): void {
    const row = this.rows.get(scheduledVisitId);
    if (!row) throw new Error(`no scheduled visit ${scheduledVisitId}`);
    this.rows.set(scheduledVisitId, { ...row, ...fields });
  }
}
