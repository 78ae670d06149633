import { AssessmentType, ScheduledVisitStatus, VisitMode } from '@registry/domain';
import { EventTopic } from '@registry/jobs';
import { SiteCalendar } from '@registry/platform';
import {
  admin,
  BOSTON,
  coordinatorAt,
  FAKE_TX,
  FakeProtocolRepository,
  FakeScheduleRepository,
  FakeTransactions,
  FakeVisitRepository,
  monitorAt,
  refusal,
  TOKYO,
  twoSites,
} from '../../../../test/fakes';
import type { CreateProtocolDto } from './schedule.dto';
import { SchedulesService } from './schedules.service';

const FOLLOW_UP: CreateProtocolDto = {
  code: 'FU',
  name: 'Follow-up',
  visits: [
    {
      code: 'M6',
      name: 'Month 6',
      dayOffset: 182,
      windowBeforeDays: 14,
      windowAfterDays: 14,
      mode: VisitMode.Remote,
      assessments: [AssessmentType.Cfi],
    },
    {
      code: 'BL',
      name: 'Baseline',
      dayOffset: 0,
      windowBeforeDays: 0,
      windowAfterDays: 7,
      mode: VisitMode.Clinic,
      assessments: [AssessmentType.Mmse, AssessmentType.Cdr],
    },
  ],
};

// 01:00 on 2 December in Tokyo, still 1 December in UTC.
function setUp(now = '2026-12-01T16:00:00Z') {
  const { participants, sites, audit, clock, access, participant } = twoSites(now);
  const protocols = new FakeProtocolRepository();
  const schedule = new FakeScheduleRepository((id) => protocols.visit(id));
  const visits = new FakeVisitRepository();
  const service = new SchedulesService(
    new FakeTransactions(),
    protocols,
    schedule,
    visits,
    participants,
    sites,
    audit,
    access,
    clock,
    new SiteCalendar(clock),
  );
  return { service, protocols, schedule, visits, audit, participants, participant };
}

/** A participant on FOLLOW_UP from a baseline day, with their scheduled visits by code. */
async function onFollowUp(setup: ReturnType<typeof setUp>, baselineDate = '2026-06-01') {
  const protocol = await setup.service.createProtocol(FOLLOW_UP);
  const schedule = await setup.service.assignProtocol(coordinatorAt(TOKYO), setup.participant.id, {
    protocolId: protocol.id,
    baselineDate,
  });
  const byCode = new Map(schedule.visits.map((visit) => [visit.code, visit]));
  return { protocol, bl: byCode.get('BL')!, m6: byCode.get('M6')! };
}

/** Records (in the fake) a visit that fulfils the scheduled visit. */
async function attend(setup: ReturnType<typeof setUp>, scheduledVisitId: string, visitDate: string) {
  return setup.visits.insert(
    FAKE_TX,
    {
      participantId: setup.participant.id,
      scheduledVisitId,
      visitDate,
      mode: VisitMode.Clinic,
      deviation: false,
      deviationReason: null,
      idempotencyKey: null,
      idempotencyRequestHash: null,
      recordedBy: 'coordinator',
    },
    [],
  );
}

describe('SchedulesService', () => {
  describe('creating a protocol', () => {
    it('adds the next version for an existing code instead of editing it, and audits each version', async () => {
      const { service, audit } = setUp();
      const first = await service.createProtocol(FOLLOW_UP);
      const second = await service.createProtocol({ ...FOLLOW_UP, name: 'Follow-up, amended' });

      expect([first.version, second.version]).toEqual([1, 2]);
      expect(second.visits?.map((v) => v.code)).toEqual(['M6', 'BL']);
      const entries = audit.entries.filter((e) => e.action === 'protocol.created');
      expect(entries.map((e) => e.entityId)).toEqual([first.id, second.id]);
      expect(entries[1].changes).toEqual([
        { field: 'code', old: null, new: 'FU' },
        { field: 'version', old: null, new: 2 },
        { field: 'visits', old: null, new: FOLLOW_UP.visits },
      ]);
    });

    it('refuses visits with the same code, naming visits, and stores nothing', async () => {
      const { service, protocols, audit } = setUp();
      const error = await refusal(
        service.createProtocol({ ...FOLLOW_UP, visits: [FOLLOW_UP.visits[0], FOLLOW_UP.visits[0]] }),
      );
      expect(error.details).toEqual([
        expect.objectContaining({ field: 'visits', constraint: 'uniqueCodes' }),
      ]);
      expect(protocols.protocols).toEqual([]);
      expect(audit.entries).toEqual([]);
    });
  });

  describe('assigning a protocol', () => {
    it('lays out the visits from the baseline day, puts the participant on the protocol, and audits it', async () => {
      const setup = setUp();
      const { protocol, bl, m6 } = await onFollowUp(setup, '2026-06-01');

      expect(bl).toMatchObject({
        name: 'Baseline',
        mode: VisitMode.Clinic,
        assessments: [AssessmentType.Mmse, AssessmentType.Cdr],
        targetDate: '2026-06-01',
        windowStart: '2026-06-01',
        windowEnd: '2026-06-08',
      });
      expect(m6).toMatchObject({
        targetDate: '2026-11-30',
        windowStart: '2026-11-16',
        windowEnd: '2026-12-14',
      });
      expect(setup.participants.rows.get(setup.participant.id)).toMatchObject({
        protocolId: protocol.id,
        baselineDate: '2026-06-01',
      });
      expect(setup.participants.locked).toEqual([setup.participant.id]);
      const entry = setup.audit.only('participant.protocol_assigned');
      expect(entry).toMatchObject({ entityId: setup.participant.id, siteId: TOKYO });
      expect(entry.changes).toEqual([
        { field: 'protocol', old: null, new: 'FU v1' },
        { field: 'baselineDate', old: null, new: '2026-06-01' },
        { field: 'scheduledVisits', old: null, new: 2 },
      ]);
      expect(setup.audit.events).toEqual([
        {
          topic: EventTopic.ParticipantChanged,
          aggregateId: setup.participant.id,
          payload: { participantId: setup.participant.id, cause: 'schedule' },
        },
      ]);
    });

    it('refuses with 409 a participant who already follows a protocol, laying out nothing more', async () => {
      const setup = setUp();
      const { protocol } = await onFollowUp(setup);
      const error = await refusal(
        setup.service.assignProtocol(coordinatorAt(TOKYO), setup.participant.id, {
          protocolId: protocol.id,
          baselineDate: '2026-07-01',
        }),
      );
      expect(error.code).toBe('schedule.already_assigned');
      expect(setup.schedule.rows.size).toBe(2);
    });

    it('refuses a protocol that is unknown or no longer active, naming protocolId', async () => {
      const setup = setUp();
      const retired = await setup.service.createProtocol(FOLLOW_UP);
      setup.protocols.protocols[0].active = false;
      for (const protocolId of [retired.id, '00000000-0000-4000-8000-ffffffffffff']) {
        const error = await refusal(
          setup.service.assignProtocol(coordinatorAt(TOKYO), setup.participant.id, {
            protocolId,
            baselineDate: '2026-06-01',
          }),
        );
        expect(error.details).toEqual([
          expect.objectContaining({ field: 'protocolId', constraint: 'exists' }),
        ]);
      }
      expect(setup.schedule.rows.size).toBe(0);
    });

    it('refuses a baseline that lays out a window beyond the dates the registry holds, and writes nothing', async () => {
      const setup = setUp();
      const protocol = await setup.service.createProtocol(FOLLOW_UP);
      const error = await refusal(
        setup.service.assignProtocol(coordinatorAt(TOKYO), setup.participant.id, {
          protocolId: protocol.id,
          baselineDate: '2200-12-01',
        }),
      );
      expect(error.details).toEqual([
        expect.objectContaining({ field: 'baselineDate', constraint: 'derivedDateInRange' }),
      ]);
      expect(error.message).toContain('M6');
      expect(setup.schedule.rows.size).toBe(0);
      expect(setup.participants.rows.get(setup.participant.id)?.protocolId).toBeNull();
      expect(setup.audit.entries.map((e) => e.action)).toEqual(['protocol.created']);
    });

    it('answers not found to a coordinator of another site', async () => {
      const setup = setUp();
      const protocol = await setup.service.createProtocol(FOLLOW_UP);
      const error = await refusal(
        setup.service.assignProtocol(coordinatorAt(BOSTON), setup.participant.id, {
          protocolId: protocol.id,
          baselineDate: '2026-06-01',
        }),
      );
      expect(error.code).toBe('not_found');
      expect(setup.schedule.rows.size).toBe(0);
    });
  });

  describe('the schedule', () => {
    it("gives each visit's status on the site's today: attended, window open, or missed once the next window opened", async () => {
      const setup = setUp('2026-12-01T16:00:00Z');
      const { bl, m6 } = await onFollowUp(setup, '2026-06-01');
      const schedule = await setup.service.schedule(monitorAt(TOKYO), setup.participant.id);
      expect(schedule).toMatchObject({
        participantId: setup.participant.id,
        timeZone: 'Asia/Tokyo',
        today: '2026-12-02',
      });
      expect(schedule.visits.map((v) => [v.code, v.status])).toEqual([
        ['BL', ScheduledVisitStatus.Missed],
        ['M6', ScheduledVisitStatus.WindowOpen],
      ]);

      const { id: visitId } = await attend(setup, bl.id, '2026-06-02');
      const after = await setup.service.schedule(admin(), setup.participant.id);
      expect(after.visits.find((v) => v.id === bl.id)).toMatchObject({
        status: ScheduledVisitStatus.Completed,
        visitId,
      });
      expect(after.visits.find((v) => v.id === m6.id)?.visitId).toBeNull();
    });

    it('answers not found to a monitor of another site', async () => {
      const { service, participant } = setUp();
      const error = await refusal(service.schedule(monitorAt(BOSTON), participant.id));
      expect(error.code).toBe('not_found');
    });
  });

  describe('rescheduling a visit', () => {
    it('moves the target and the window by the same number of days, and audits old and new with the reason', async () => {
      const setup = setUp();
      const { m6 } = await onFollowUp(setup);
      const schedule = await setup.service.reschedule(coordinatorAt(TOKYO), setup.participant.id, m6.id, {
        targetDate: '2026-12-10',
        reason: 'participant travelling',
      });

      expect(schedule.visits.find((v) => v.id === m6.id)).toMatchObject({
        targetDate: '2026-12-10',
        windowStart: '2026-11-26',
        windowEnd: '2026-12-24',
      });
      expect(setup.schedule.locked).toEqual([m6.id]);
      const entry = setup.audit.only('scheduled_visit.rescheduled');
      expect(entry).toMatchObject({ entityId: m6.id, siteId: TOKYO, reason: 'participant travelling' });
      expect(entry.changes).toEqual([
        { field: 'targetDate', old: '2026-11-30', new: '2026-12-10' },
        { field: 'windowStart', old: '2026-11-16', new: '2026-11-26' },
        { field: 'windowEnd', old: '2026-12-14', new: '2026-12-24' },
      ]);
      expect(setup.audit.events.map((e) => e.payload)).toContainEqual({
        participantId: setup.participant.id,
        cause: 'schedule',
      });
    });

    it('refuses a target that moves the window beyond the dates the registry holds, naming targetDate', async () => {
      const setup = setUp();
      const { m6 } = await onFollowUp(setup);
      const error = await refusal(
        setup.service.reschedule(coordinatorAt(TOKYO), setup.participant.id, m6.id, {
          targetDate: '2200-12-25',
          reason: 'r',
        }),
      );
      expect(error.details).toEqual([
        expect.objectContaining({ field: 'targetDate', constraint: 'derivedDateInRange' }),
      ]);
      expect(setup.schedule.rows.get(m6.id)?.targetDate).toBe('2026-11-30');
    });

    it('refuses with 409 a visit that took place, and with 404 one of another participant', async () => {
      const setup = setUp();
      const { bl } = await onFollowUp(setup);
      await attend(setup, bl.id, '2026-06-01');
      const attended = await refusal(
        setup.service.reschedule(coordinatorAt(TOKYO), setup.participant.id, bl.id, {
          targetDate: '2026-06-03',
          reason: 'r',
        }),
      );
      expect(attended.code).toBe('schedule.completed');

      const other = setup.participants.add({ siteId: TOKYO });
      const theirs = await refusal(
        setup.service.reschedule(coordinatorAt(TOKYO), other.id, bl.id, {
          targetDate: '2026-06-03',
          reason: 'r',
        }),
      );
      expect(theirs.code).toBe('not_found');
      expect(setup.audit.entries.map((e) => e.action)).not.toContain('scheduled_visit.rescheduled');
    });
  });

  describe('cancelling a visit', () => {
    it("cancels it at the clock's time with the reason, audits it, and then refuses to change it again", async () => {
      const setup = setUp('2026-12-01T16:00:00Z');
      const { m6 } = await onFollowUp(setup);
      const schedule = await setup.service.cancel(
        coordinatorAt(TOKYO),
        setup.participant.id,
        m6.id,
        'moved abroad',
      );

      expect(schedule.visits.find((v) => v.id === m6.id)).toMatchObject({
        status: ScheduledVisitStatus.Cancelled,
        cancelReason: 'moved abroad',
      });
      expect(setup.schedule.rows.get(m6.id)?.cancelledAt).toEqual(new Date('2026-12-01T16:00:00Z'));
      const entry = setup.audit.only('scheduled_visit.cancelled');
      expect(entry).toMatchObject({
        entityId: m6.id,
        reason: 'moved abroad',
        changes: [{ field: 'cancelled', old: false, new: true }],
      });

      for (const again of [
        setup.service.cancel(coordinatorAt(TOKYO), setup.participant.id, m6.id, 'again'),
        setup.service.reschedule(coordinatorAt(TOKYO), setup.participant.id, m6.id, {
          targetDate: '2026-12-10',
          reason: 'r',
        }),
      ]) {
        expect((await refusal(again)).code).toBe('schedule.cancelled');
      }
      expect(setup.audit.entries.filter((e) => e.action.startsWith('scheduled_visit.'))).toHaveLength(1);
    });
  });
});
