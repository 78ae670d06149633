import { Injectable } from '@nestjs/common';
import type { CalendarDate } from '@registry/domain';
import { ScheduledVisitEntity } from '../entities/visit.entity';
import type { Tx } from './transactions';

export interface NewScheduledVisit {
  participantId: string;
  protocolVisitId: string;
  code: string;
  targetDate: CalendarDate;
  windowStart: CalendarDate;
  windowEnd: CalendarDate;
}

/** Where a scheduled visit is due: its target day and the window around it. */
export interface VisitWindow {
  targetDate: CalendarDate;
  windowStart: CalendarDate;
  windowEnd: CalendarDate;
}

/** Scheduled visits: the windows in which a participant's next tests are due. */
@Injectable()
export class ScheduleRepository {
  /**
   * Cancels a participant's scheduled visits that are still open on `from` or later and were not attended,
   * so no reminder goes out for them; returns how many were cancelled.
   */
  async cancelUnattendedFrom(
    tx: Tx,
    participantId: string,
    from: CalendarDate,
    cancelledAt: Date,
    reason: string,
  ): Promise<number> {
    const result = await tx
      .createQueryBuilder()
      .update(ScheduledVisitEntity)
      .set({ cancelledAt, cancelReason: reason })
      .where('participant_id = :participantId AND cancelled_at IS NULL AND window_end >= :from', {
        participantId,
        from,
      })
      .andWhere('NOT EXISTS (SELECT 1 FROM visit v WHERE v.scheduled_visit_id = scheduled_visit.id)')
      .execute();
    return result.affected ?? 0;
  }

  /** Lays out a participant's visits of a protocol. */
  async insertPlanned(tx: Tx, visits: NewScheduledVisit[]): Promise<void> {
    await tx.insert(ScheduledVisitEntity, visits);
  }

  /**
   * One of the participant's scheduled visits, or null (also when it is another participant's); `forUpdate`
   * locks it until the transaction ends, for a change to its window or its cancellation.
   */
  findOfParticipant(
    tx: Tx,
    participantId: string,
    scheduledVisitId: string,
    forUpdate = false,
  ): Promise<ScheduledVisitEntity | null> {
    return tx.findOne(ScheduledVisitEntity, {
      where: { id: scheduledVisitId, participantId },
      lock: forUpdate ? { mode: 'pessimistic_write' } : undefined,
    });
  }

  /** A participant's scheduled visits, cancelled ones included, with their protocol visit, by window start. */
  listOf(tx: Tx, participantId: string): Promise<ScheduledVisitEntity[]> {
    return tx.find(ScheduledVisitEntity, {
      where: { participantId },
      relations: { protocolVisit: true },
      order: { windowStart: 'ASC' },
    });
  }

  /** Moves a scheduled visit's target day and its window. */
  async move(tx: Tx, scheduledVisitId: string, window: VisitWindow): Promise<void> {
    await tx.update(ScheduledVisitEntity, scheduledVisitId, {
      targetDate: window.targetDate,
      windowStart: window.windowStart,
      windowEnd: window.windowEnd,
    });
  }

  /** Cancels one scheduled visit, with why. */
  async cancel(tx: Tx, scheduledVisitId: string, cancelledAt: Date, reason: string): Promise<void> {
    await tx.update(ScheduledVisitEntity, scheduledVisitId, { cancelledAt, cancelReason: reason });
  }
}
