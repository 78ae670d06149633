import type { CalendarDate } from '@registry/domain';
import type { ScheduleRepository, Tx } from '@registry/persistence';
import type { Public } from './public';

export class FakeScheduleRepository implements Public<ScheduleRepository> {
  /** The cancellations asked for, and how many visits each is to report cancelled. */
  readonly cancellations: { participantId: string; from: CalendarDate; reason: string }[] = [];
  unattendedVisits = 0;

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
}
