import { Injectable } from '@nestjs/common';
import {
  addDays,
  daysBetween,
  EARLIEST_CALENDAR_DATE,
  isWithinCalendarRange,
  LATEST_CALENDAR_DATE,
  planVisits,
  ProtocolVisitDefinition,
  scheduledVisitStatus,
  VisitMode,
} from '@registry/domain';
import {
  AuditRepository,
  ParticipantRepository,
  ProtocolEntity,
  ProtocolRepository,
  ProtocolVisitEntity,
  participantChanged,
  ScheduleRepository,
  SiteRepository,
  Transactions,
  Tx,
  VisitRepository,
} from '@registry/persistence';
import { Clock, DomainError, ErrorKind, notFound, SiteCalendar } from '@registry/platform';
import type { Actor } from '../auth/actor';
import { ParticipantAccess } from '../participants/participant-access';
import { invalidField } from '../participants/participant-errors';
import type {
  AssignProtocolDto,
  CreateProtocolDto,
  RescheduleDto,
  ScheduleDto,
  ScheduledVisitDto,
} from './schedule.dto';

const toDefinition = (v: ProtocolVisitEntity): ProtocolVisitDefinition => ({
  code: v.code,
  name: v.name,
  dayOffset: v.dayOffset,
  windowBeforeDays: v.windowBeforeDays,
  windowAfterDays: v.windowAfterDays,
  mode: v.mode,
  assessments: v.assessments,
});

const windowWithinCalendarRange = (window: { windowStart: string; windowEnd: string }): boolean =>
  isWithinCalendarRange(window.windowStart) && isWithinCalendarRange(window.windowEnd);

/** A visit window computed from the input that would leave the registry's range: refused, naming the input. */
const derivedDateOutOfRange = (field: string, what: string) =>
  invalidField(
    field,
    'derivedDateInRange',
    `${what}, outside ${EARLIEST_CALENDAR_DATE} to ${LATEST_CALENDAR_DATE}, the dates the registry holds`,
  );

@Injectable()
export class SchedulesService {
  constructor(
    private readonly transactions: Transactions,
    private readonly protocols: ProtocolRepository,
    private readonly scheduledVisits: ScheduleRepository,
    private readonly visits: VisitRepository,
    private readonly participants: ParticipantRepository,
    private readonly sites: SiteRepository,
    private readonly audit: AuditRepository,
    private readonly access: ParticipantAccess,
    private readonly clock: Clock,
    private readonly calendar: SiteCalendar,
  ) {}

  listProtocols(): Promise<ProtocolEntity[]> {
    return this.transactions.read((tx) => this.protocols.list(tx));
  }

  /** A protocol is never edited in place: creating one with an existing code adds the next version. */
  async createProtocol(input: CreateProtocolDto): Promise<ProtocolEntity> {
    const codes = input.visits.map((v) => v.code);
    if (new Set(codes).size !== codes.length)
      throw invalidField('visits', 'uniqueCodes', 'visits must have distinct codes');
    return this.transactions.run(async (tx) => {
      const protocol = await this.protocols.addVersion(tx, input);
      await this.audit.record(tx, {
        action: 'protocol.created',
        entityType: 'protocol',
        entityId: protocol.id,
        changes: [
          { field: 'code', old: null, new: protocol.code },
          { field: 'version', old: null, new: protocol.version },
          { field: 'visits', old: null, new: input.visits },
        ],
      });
      return protocol;
    });
  }

  /** Puts a participant on a protocol from a baseline day: their scheduled visits are laid out in the site calendar. */
  async assignProtocol(actor: Actor, participantId: string, input: AssignProtocolDto): Promise<ScheduleDto> {
    await this.transactions.run(async (tx) => {
      const participant = await this.access.writable(tx, actor, participantId);
      if (participant.protocolId) {
        throw new DomainError(
          ErrorKind.Conflict,
          'schedule.already_assigned',
          'The participant already follows a protocol',
        );
      }
      const protocol = await this.protocols.findActive(tx, input.protocolId);
      if (!protocol) throw invalidField('protocolId', 'exists', 'protocolId names no active protocol');
      const byCode = new Map((protocol.visits ?? []).map((v) => [v.code, v]));
      const planned = planVisits(input.baselineDate, (protocol.visits ?? []).map(toDefinition));
      const outside = planned.find((visit) => !windowWithinCalendarRange(visit));
      if (outside) {
        throw derivedDateOutOfRange(
          'baselineDate',
          `baselineDate ${input.baselineDate} lays out visit ${outside.code} with the window ${outside.windowStart} to ${outside.windowEnd}`,
        );
      }
      await this.scheduledVisits.insertPlanned(
        tx,
        planned.map((visit) => ({
          participantId: participant.id,
          protocolVisitId: byCode.get(visit.code)!.id,
          code: visit.code,
          targetDate: visit.targetDate,
          windowStart: visit.windowStart,
          windowEnd: visit.windowEnd,
        })),
      );
      await this.participants.assignProtocol(tx, participant.id, protocol.id, input.baselineDate);
      await this.audit.recordChange(
        tx,
        {
          action: 'participant.protocol_assigned',
          entityType: 'participant',
          entityId: participant.id,
          siteId: participant.siteId,
          changes: [
            { field: 'protocol', old: null, new: `${protocol.code} v${protocol.version}` },
            { field: 'baselineDate', old: null, new: input.baselineDate },
            { field: 'scheduledVisits', old: null, new: planned.length },
          ],
        },
        participantChanged(participant.id, 'schedule'),
      );
    });
    return this.schedule(actor, participantId);
  }

  schedule(actor: Actor, participantId: string): Promise<ScheduleDto> {
    return this.transactions.read(async (tx) => {
      const participant = await this.access.visible(tx, actor, participantId);
      const timeZone = await this.sites.timeZoneOf(tx, participant.siteId);
      const scheduled = await this.scheduledVisits.listOf(tx, participant.id);
      const visitBySchedule = await this.visits.visitIdsByScheduledVisit(
        tx,
        scheduled.map((s) => s.id),
      );
      const today = this.calendar.today(timeZone);
      const open = scheduled.filter((s) => !s.cancelledAt);
      return {
        participantId: participant.id,
        timeZone,
        today,
        visits: scheduled.map((s): ScheduledVisitDto => {
          const next = open.find((candidate) => candidate.windowStart > s.windowStart);
          return {
            id: s.id,
            code: s.code,
            name: s.protocolVisit?.name ?? s.code,
            mode: s.protocolVisit?.mode ?? VisitMode.Clinic,
            assessments: s.protocolVisit?.assessments ?? [],
            targetDate: s.targetDate,
            windowStart: s.windowStart,
            windowEnd: s.windowEnd,
            status: scheduledVisitStatus(
              {
                windowStart: s.windowStart,
                windowEnd: s.windowEnd,
                completed: visitBySchedule.has(s.id),
                cancelled: !!s.cancelledAt,
                markedMissed: s.status === 'missed',
              },
              today,
              next?.windowStart,
            ),
            visitId: visitBySchedule.get(s.id) ?? null,
            cancelReason: s.cancelReason,
          };
        }),
      };
    });
  }

  async reschedule(
    actor: Actor,
    participantId: string,
    scheduledVisitId: string,
    input: RescheduleDto,
  ): Promise<ScheduleDto> {
    await this.transactions.run(async (tx) => {
      const { participant, scheduled } = await this.openScheduledVisit(
        tx,
        actor,
        participantId,
        scheduledVisitId,
      );
      const shift = daysBetween(scheduled.targetDate, input.targetDate);
      const changes = [
        { field: 'targetDate', old: scheduled.targetDate, new: input.targetDate },
        { field: 'windowStart', old: scheduled.windowStart, new: addDays(scheduled.windowStart, shift) },
        { field: 'windowEnd', old: scheduled.windowEnd, new: addDays(scheduled.windowEnd, shift) },
      ];
      const moved = { windowStart: changes[1].new, windowEnd: changes[2].new };
      if (!windowWithinCalendarRange(moved)) {
        throw derivedDateOutOfRange(
          'targetDate',
          `targetDate ${input.targetDate} moves the window to ${moved.windowStart} to ${moved.windowEnd}`,
        );
      }
      await this.scheduledVisits.move(tx, scheduled.id, {
        targetDate: input.targetDate,
        windowStart: moved.windowStart,
        windowEnd: moved.windowEnd,
      });
      await this.audit.recordChange(
        tx,
        {
          action: 'scheduled_visit.rescheduled',
          entityType: 'scheduled_visit',
          entityId: scheduled.id,
          siteId: participant.siteId,
          changes,
          reason: input.reason,
        },
        participantChanged(participant.id, 'schedule'),
      );
    });
    return this.schedule(actor, participantId);
  }

  async cancel(
    actor: Actor,
    participantId: string,
    scheduledVisitId: string,
    reason: string,
  ): Promise<ScheduleDto> {
    await this.transactions.run(async (tx) => {
      const { participant, scheduled } = await this.openScheduledVisit(
        tx,
        actor,
        participantId,
        scheduledVisitId,
      );
      await this.scheduledVisits.cancel(tx, scheduled.id, this.clock.now(), reason);
      await this.audit.recordChange(
        tx,
        {
          action: 'scheduled_visit.cancelled',
          entityType: 'scheduled_visit',
          entityId: scheduled.id,
          siteId: participant.siteId,
          changes: [{ field: 'cancelled', old: false, new: true }],
          reason,
        },
        participantChanged(participant.id, 'schedule'),
      );
    });
    return this.schedule(actor, participantId);
  }

  /** The participant's scheduled visit, locked, that can still change: neither cancelled nor attended. */
  private async openScheduledVisit(tx: Tx, actor: Actor, participantId: string, scheduledVisitId: string) {
    const participant = await this.access.writable(tx, actor, participantId);
    const scheduled = await this.scheduledVisits.findOfParticipant(
      tx,
      participant.id,
      scheduledVisitId,
      true,
    );
    if (!scheduled) throw notFound('Scheduled visit');
    if (scheduled.cancelledAt)
      throw new DomainError(ErrorKind.Conflict, 'schedule.cancelled', 'The scheduled visit is cancelled');
    if (await this.visits.isScheduledVisitAttended(tx, scheduled.id)) {
      throw new DomainError(
        ErrorKind.Conflict,
        'schedule.completed',
        'The scheduled visit has already taken place',
      );
    }
    return { participant, scheduled };
  }
}
