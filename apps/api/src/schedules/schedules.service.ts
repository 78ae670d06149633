import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
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
  ParticipantEntity,
  ProtocolEntity,
  ProtocolVisitEntity,
  participantChanged,
  recordAudit,
  recordAuditedChange,
  ScheduledVisitEntity,
  SiteEntity,
  VisitEntity,
} from '@registry/persistence';
import { Clock, DomainError, ErrorKind, notFound, SiteCalendar } from '@registry/platform';
import { DataSource, In } from 'typeorm';
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
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: ParticipantAccess,
    private readonly clock: Clock,
    private readonly calendar: SiteCalendar,
  ) {}

  listProtocols(): Promise<ProtocolEntity[]> {
    return this.dataSource
      .getRepository(ProtocolEntity)
      .find({ relations: { visits: true }, order: { code: 'ASC', version: 'DESC' } });
  }

  /** A protocol is never edited in place: creating one with an existing code adds the next version. */
  async createProtocol(input: CreateProtocolDto): Promise<ProtocolEntity> {
    const codes = input.visits.map((v) => v.code);
    if (new Set(codes).size !== codes.length)
      throw invalidField('visits', 'uniqueCodes', 'visits must have distinct codes');
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`protocol:${input.code}`]);
      const [{ next }] = await manager.query<{ next: number }[]>(
        'SELECT coalesce(max(version), 0) + 1 AS next FROM protocol WHERE code = $1',
        [input.code],
      );
      const protocol = await manager.save(
        manager.create(ProtocolEntity, { code: input.code, name: input.name, version: next, active: true }),
      );
      protocol.visits = await manager.save(
        input.visits.map((visit) =>
          manager.create(ProtocolVisitEntity, { ...visit, protocolId: protocol.id }),
        ),
      );
      await recordAudit(manager, {
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
    await this.dataSource.transaction(async (manager) => {
      const participant = await this.access.writable(manager, actor, participantId);
      if (participant.protocolId) {
        throw new DomainError(
          ErrorKind.Conflict,
          'schedule.already_assigned',
          'The participant already follows a protocol',
        );
      }
      const protocol = await manager.findOne(ProtocolEntity, {
        where: { id: input.protocolId, active: true },
        relations: { visits: true },
      });
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
      await manager.insert(
        ScheduledVisitEntity,
        planned.map((visit) => ({
          participantId: participant.id,
          protocolVisitId: byCode.get(visit.code)!.id,
          code: visit.code,
          targetDate: visit.targetDate,
          windowStart: visit.windowStart,
          windowEnd: visit.windowEnd,
        })),
      );
      await manager.update(ParticipantEntity, participant.id, {
        protocolId: protocol.id,
        baselineDate: input.baselineDate,
      });
      await recordAuditedChange(
        manager,
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

  async schedule(actor: Actor, participantId: string): Promise<ScheduleDto> {
    const manager = this.dataSource.manager;
    const participant = await this.access.visible(manager, actor, participantId);
    const site = await manager.findOneByOrFail(SiteEntity, { id: participant.siteId });
    const scheduled = await manager.find(ScheduledVisitEntity, {
      where: { participantId: participant.id },
      relations: { protocolVisit: true },
      order: { windowStart: 'ASC' },
    });
    const visits = scheduled.length
      ? await manager.findBy(VisitEntity, { scheduledVisitId: In(scheduled.map((s) => s.id)) })
      : [];
    const visitBySchedule = new Map(visits.map((v) => [v.scheduledVisitId, v.id]));
    const today = this.calendar.today(site.timeZone);
    const open = scheduled.filter((s) => !s.cancelledAt);
    return {
      participantId: participant.id,
      timeZone: site.timeZone,
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
            },
            today,
            next?.windowStart,
          ),
          visitId: visitBySchedule.get(s.id) ?? null,
          cancelReason: s.cancelReason,
        };
      }),
    };
  }

  async reschedule(
    actor: Actor,
    participantId: string,
    scheduledVisitId: string,
    input: RescheduleDto,
  ): Promise<ScheduleDto> {
    await this.dataSource.transaction(async (manager) => {
      const { participant, scheduled } = await this.openScheduledVisit(
        manager,
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
      await manager.update(ScheduledVisitEntity, scheduled.id, {
        targetDate: input.targetDate,
        windowStart: changes[1].new,
        windowEnd: changes[2].new,
      });
      await recordAuditedChange(
        manager,
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
    await this.dataSource.transaction(async (manager) => {
      const { participant, scheduled } = await this.openScheduledVisit(
        manager,
        actor,
        participantId,
        scheduledVisitId,
      );
      await manager.update(ScheduledVisitEntity, scheduled.id, {
        cancelledAt: this.clock.now(),
        cancelReason: reason,
      });
      await recordAuditedChange(
        manager,
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

  private async openScheduledVisit(
    manager: DataSource['manager'],
    actor: Actor,
    participantId: string,
    scheduledVisitId: string,
  ) {
    const participant = await this.access.writable(manager, actor, participantId);
    const scheduled = await manager.findOne(ScheduledVisitEntity, {
      where: { id: scheduledVisitId, participantId: participant.id },
      lock: { mode: 'pessimistic_write' },
    });
    if (!scheduled) throw notFound('Scheduled visit');
    if (scheduled.cancelledAt)
      throw new DomainError(ErrorKind.Conflict, 'schedule.cancelled', 'The scheduled visit is cancelled');
    if (await manager.existsBy(VisitEntity, { scheduledVisitId: scheduled.id })) {
      throw new DomainError(
        ErrorKind.Conflict,
        'schedule.completed',
        'The scheduled visit has already taken place',
      );
    }
    return { participant, scheduled };
  }
}
