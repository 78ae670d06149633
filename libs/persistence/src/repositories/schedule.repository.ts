import { Injectable } from '@nestjs/common';
import type { CalendarDate } from '@registry/domain';
import { ScheduledVisitEntity } from '../entities/visit.entity';
import type { Tx } from './transactions';

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
}
