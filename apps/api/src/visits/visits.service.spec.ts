import { AmyloidModality, AmyloidStatus, AssessmentType, ConsentScope } from '@registry/domain';
import { EventTopic } from '@registry/jobs';
import {
  BOSTON,
  coordinatorAt,
  FAKE_TX,
  FakeConsentRepository,
  FakeScheduleRepository,
  FakeTransactions,
  FakeVisitRepository,
  monitorAt,
  refusal,
  TOKYO,
  twoSites,
  FakeReferralRepository,
} from '../../../../test/fakes';
import { ConsentsService } from '../consents/consents.service';
import type { RecordVisitDto } from './visit.dto';
import { VisitsService } from './visits.service';

// 01:00 on 2 December in Tokyo, still 1 December in UTC.
function setUp(now = '2026-12-01T16:00:00Z') {
  const { participants, audit, clock, access, siteToday, participant } = twoSites(now);
  const consents = new FakeConsentRepository();
  const schedule = new FakeScheduleRepository();
  const visits = new FakeVisitRepository();
  const consentsService = new ConsentsService(
    new FakeTransactions(),
    consents,
    schedule,
    audit,
    access,
    siteToday,
    clock,
    new FakeReferralRepository(),
    participants,
  );
  const service = new VisitsService(
    new FakeTransactions(),
    visits,
    schedule,
    participants,
    audit,
    access,
    siteToday,
    consentsService,
  );
  const consentTo = (...scopes: ConsentScope[]) =>
    consents.insertConsent(FAKE_TX, {
      participantId: participant.id,
      consentDocumentId: 'document-1',
      signedOn: '2026-01-05',
      scopes,
    });
  return { service, visits, schedule, audit, participants, participant, consentTo };
}

const mmse = (total: number, performedOn?: string) => ({
  type: AssessmentType.Mmse,
  values: { total },
  ...(performedOn ? { performedOn } : {}),
});
const plasma = (result: AmyloidStatus, performedOn?: string) => ({
  type: AssessmentType.Plasma,
  values: { platform: 'c2n_precivity', analyte: 'ptau217', result },
  ...(performedOn ? { performedOn } : {}),
});
const visitOn = (visitDate: string, ...assessments: RecordVisitDto['assessments']): RecordVisitDto => ({
  visitDate,
  assessments,
});

describe('VisitsService', () => {
  describe('recording a visit', () => {
    it('stores the visit and its assessments with the values the server derives, recorded by the coordinator', async () => {
      const { service, visits, participant, participants, consentTo } = setUp();
      await consentTo(ConsentScope.RegistryFollowUp);
      const cdr = {
        type: AssessmentType.Cdr,
        values: {
          memory: 0.5,
          orientation: 0,
          judgmentProblemSolving: 0,
          communityAffairs: 0,
          homeHobbies: 0,
          personalCare: 0,
        },
      };
      const { visit, replayed } = await service.record(
        coordinatorAt(TOKYO),
        participant.id,
        visitOn('2026-12-01', mmse(29), cdr),
      );

      expect(replayed).toBe(false);
      expect(visit).toMatchObject({
        participantId: participant.id,
        visitDate: '2026-12-01',
        mode: 'clinic',
        deviation: false,
        recordedBy: coordinatorAt(TOKYO).userId,
      });
      expect(visits.visits).toHaveLength(1);
      expect(visits.assessments.map((a) => [a.type, a.performedOn, a.version])).toEqual([
        [AssessmentType.Mmse, '2026-12-01', 1],
        [AssessmentType.Cdr, '2026-12-01', 1],
      ]);
      expect(visits.assessments[1].derived).toMatchObject({ globalScore: 0.5, sumOfBoxes: 0.5 });
      expect(participants.locked).toEqual([participant.id]);
    });

    it('audits what was recorded and has the participant screened again through the outbox', async () => {
      const { service, audit, participant, consentTo } = setUp();
      await consentTo(ConsentScope.RegistryFollowUp);
      const { visit } = await service.record(
        coordinatorAt(TOKYO),
        participant.id,
        visitOn('2026-12-01', mmse(27)),
      );

      const entry = audit.only('visit.recorded');
      expect(entry).toMatchObject({ entityType: 'visit', entityId: visit.id, siteId: TOKYO, reason: null });
      expect(entry.changes).toEqual([
        { field: 'participantId', old: null, new: participant.id },
        { field: 'visitDate', old: null, new: '2026-12-01' },
        { field: 'scheduledVisitId', old: null, new: null },
        {
          field: 'assessment.mmse',
          old: null,
          new: { id: visit.assessments![0].id, values: { total: 27 }, derived: {} },
        },
      ]);
      expect(audit.events).toEqual([
        {
          topic: EventTopic.ParticipantChanged,
          aggregateId: participant.id,
          payload: { participantId: participant.id, cause: 'visit' },
        },
      ]);
    });

    it('refuses values out of range, naming each field, before touching the participant', async () => {
      const { service, visits, participants, participant, consentTo } = setUp();
      await consentTo(ConsentScope.RegistryFollowUp);
      const error = await refusal(
        service.record(coordinatorAt(TOKYO), participant.id, visitOn('2026-12-01', mmse(27), mmse(31))),
      );
      expect(error.code).toBe('validation_failed');
      expect(error.details).toEqual([expect.objectContaining({ field: 'assessments[1].values.total' })]);
      expect(participants.locked).toEqual([]);
      expect(visits.visits).toEqual([]);
    });

    it('accepts a visit dated today in Tokyo while it is still yesterday in UTC, and refuses the day after', async () => {
      const { service, visits, audit, participant, consentTo } = setUp('2026-12-01T16:00:00Z');
      await consentTo(ConsentScope.RegistryFollowUp);
      await expect(
        service.record(coordinatorAt(TOKYO), participant.id, visitOn('2026-12-02', mmse(28))),
      ).resolves.toMatchObject({ replayed: false });

      const error = await refusal(
        service.record(coordinatorAt(TOKYO), participant.id, visitOn('2026-12-03', mmse(28))),
      );
      expect(error.details).toEqual([
        expect.objectContaining({ field: 'visitDate', constraint: 'notInFuture' }),
      ]);
      expect(visits.visits).toHaveLength(1);
      expect(audit.entries).toHaveLength(1);
    });

    it('refuses an assessment performed after the visit that reports it, naming its performedOn', async () => {
      const { service, visits, participant, consentTo } = setUp();
      await consentTo(ConsentScope.RegistryFollowUp);
      const error = await refusal(
        service.record(coordinatorAt(TOKYO), participant.id, visitOn('2026-11-20', mmse(28, '2026-11-21'))),
      );
      expect(error.details).toEqual([
        expect.objectContaining({ field: 'assessments[0].performedOn', constraint: 'notAfterVisit' }),
      ]);
      expect(visits.visits).toEqual([]);
    });

    it('refuses with 409 a participant without consent to registry follow-up, naming the missing scope', async () => {
      const { service, visits, audit, participant } = setUp();
      const error = await refusal(
        service.record(coordinatorAt(TOKYO), participant.id, visitOn('2026-12-01', mmse(28))),
      );
      expect(error.code).toBe('consent.scope_missing');
      expect(error.meta).toEqual({ missingScope: ConsentScope.RegistryFollowUp });
      expect(visits.visits).toEqual([]);
      expect(audit.entries).toEqual([]);
    });

    it('refuses a biomarker result without the biomarker sampling scope, and takes it with that scope', async () => {
      const { service, visits, participant, consentTo } = setUp();
      await consentTo(ConsentScope.RegistryFollowUp);
      const error = await refusal(
        service.record(
          coordinatorAt(TOKYO),
          participant.id,
          visitOn('2026-12-01', plasma(AmyloidStatus.Positive)),
        ),
      );
      expect(error.code).toBe('consent.scope_missing');
      expect(error.meta).toEqual({ missingScope: ConsentScope.BiomarkerSampling });
      expect(visits.visits).toEqual([]);

      await consentTo(ConsentScope.RegistryFollowUp, ConsentScope.BiomarkerSampling);
      await service.record(
        coordinatorAt(TOKYO),
        participant.id,
        visitOn('2026-12-01', plasma(AmyloidStatus.Positive)),
      );
      expect(visits.visits).toHaveLength(1);
    });

    it("answers not found to a coordinator of another site and to a monitor, so the participant's existence is not revealed", async () => {
      const { service, visits, participant, consentTo } = setUp();
      await consentTo(ConsentScope.RegistryFollowUp);
      for (const actor of [coordinatorAt(BOSTON), monitorAt(TOKYO)]) {
        const error = await refusal(service.record(actor, participant.id, visitOn('2026-12-01', mmse(28))));
        expect(error.code).toBe('not_found');
      }
      expect(visits.visits).toEqual([]);
    });
  });

  describe('the amyloid status', () => {
    it('follows the latest biomarker result with a known status, and its change is audited with the visit', async () => {
      const { service, audit, participants, participant, consentTo } = setUp();
      await consentTo(ConsentScope.RegistryFollowUp, ConsentScope.BiomarkerSampling);
      await service.record(
        coordinatorAt(TOKYO),
        participant.id,
        visitOn('2026-11-01', plasma(AmyloidStatus.Positive)),
      );

      expect(participants.rows.get(participant.id)).toMatchObject({
        amyloidStatus: AmyloidStatus.Positive,
        amyloidModality: AmyloidModality.Plasma,
        amyloidDate: '2026-11-01',
      });
      expect(audit.only('visit.recorded').changes).toEqual(
        expect.arrayContaining([
          { field: 'amyloidStatus', old: AmyloidStatus.Unknown, new: AmyloidStatus.Positive },
          { field: 'amyloidModality', old: null, new: AmyloidModality.Plasma },
          { field: 'amyloidDate', old: null, new: '2026-11-01' },
        ]),
      );
    });
  });

  describe('an Idempotency-Key', () => {
    it('answers a retry with the first visit, even with the body’s keys in another order, and records nothing more', async () => {
      const { service, visits, audit, participant, consentTo } = setUp();
      await consentTo(ConsentScope.RegistryFollowUp);
      const first = await service.record(
        coordinatorAt(TOKYO),
        participant.id,
        { visitDate: '2026-12-01', assessments: [mmse(28)] },
        'retry-key-0001',
      );
      const retry = await service.record(
        coordinatorAt(TOKYO),
        participant.id,
        { assessments: [{ values: { total: 28 }, type: AssessmentType.Mmse }], visitDate: '2026-12-01' },
        'retry-key-0001',
      );

      expect(retry.replayed).toBe(true);
      expect(retry.visit.id).toBe(first.visit.id);
      expect(retry.visit.assessments).toHaveLength(1);
      expect(visits.visits).toHaveLength(1);
      expect(audit.entries).toHaveLength(1);
    });

    it('refuses with 409 the same key for another request', async () => {
      const { service, visits, participant, consentTo } = setUp();
      await consentTo(ConsentScope.RegistryFollowUp);
      await service.record(
        coordinatorAt(TOKYO),
        participant.id,
        visitOn('2026-12-01', mmse(28)),
        'retry-key-0002',
      );
      const error = await refusal(
        service.record(
          coordinatorAt(TOKYO),
          participant.id,
          visitOn('2026-12-01', mmse(29)),
          'retry-key-0002',
        ),
      );
      expect(error.code).toBe('idempotency.key_reused');
      expect(visits.visits).toHaveLength(1);
    });
  });

  describe('a visit for a scheduled visit', () => {
    function withScheduledVisit(setup: ReturnType<typeof setUp>) {
      return setup.schedule.add({
        participantId: setup.participant.id,
        protocolVisitId: 'protocol-visit-m6',
        code: 'M6',
        targetDate: '2026-11-15',
        windowStart: '2026-11-01',
        windowEnd: '2026-11-29',
      });
    }

    it('is on time within the window', async () => {
      const setup = setUp();
      await setup.consentTo(ConsentScope.RegistryFollowUp);
      const scheduled = withScheduledVisit(setup);
      const { visit } = await setup.service.record(coordinatorAt(TOKYO), setup.participant.id, {
        ...visitOn('2026-11-29', mmse(28)),
        scheduledVisitId: scheduled.id,
      });
      expect(visit).toMatchObject({
        scheduledVisitId: scheduled.id,
        deviation: false,
        deviationReason: null,
      });
    });

    it('outside the window needs a reason, and is then recorded as a deviation with the reason audited', async () => {
      const setup = setUp();
      await setup.consentTo(ConsentScope.RegistryFollowUp);
      const scheduled = withScheduledVisit(setup);
      const late = { ...visitOn('2026-11-30', mmse(28)), scheduledVisitId: scheduled.id };

      const error = await refusal(setup.service.record(coordinatorAt(TOKYO), setup.participant.id, late));
      expect(error.details).toEqual([
        expect.objectContaining({ field: 'deviationReason', constraint: 'requiredOutsideWindow' }),
      ]);
      expect(setup.visits.visits).toEqual([]);

      const { visit } = await setup.service.record(coordinatorAt(TOKYO), setup.participant.id, {
        ...late,
        deviationReason: 'participant was in hospital',
      });
      expect(visit).toMatchObject({ deviation: true, deviationReason: 'participant was in hospital' });
      const entry = setup.audit.only('visit.recorded');
      expect(entry.reason).toBe('participant was in hospital');
      expect(entry.changes).toContainEqual({ field: 'deviation', old: null, new: true });
    });

    it("refuses another participant's scheduled visit, naming scheduledVisitId", async () => {
      const setup = setUp();
      await setup.consentTo(ConsentScope.RegistryFollowUp);
      const other = setup.participants.add({ siteId: TOKYO });
      const theirs = setup.schedule.add({
        participantId: other.id,
        protocolVisitId: 'protocol-visit-m6',
        code: 'M6',
        targetDate: '2026-11-15',
        windowStart: '2026-11-01',
        windowEnd: '2026-11-29',
      });
      const error = await refusal(
        setup.service.record(coordinatorAt(TOKYO), setup.participant.id, {
          ...visitOn('2026-11-15', mmse(28)),
          scheduledVisitId: theirs.id,
        }),
      );
      expect(error.details).toEqual([
        expect.objectContaining({ field: 'scheduledVisitId', constraint: 'exists' }),
      ]);
    });

    it('refuses with 409 a cancelled scheduled visit, saying why it was cancelled', async () => {
      const setup = setUp();
      await setup.consentTo(ConsentScope.RegistryFollowUp);
      const scheduled = withScheduledVisit(setup);
      await setup.schedule.cancel(FAKE_TX, scheduled.id, new Date('2026-11-02T00:00:00Z'), 'moved abroad');
      const error = await refusal(
        setup.service.record(coordinatorAt(TOKYO), setup.participant.id, {
          ...visitOn('2026-11-15', mmse(28)),
          scheduledVisitId: scheduled.id,
        }),
      );
      expect(error.code).toBe('schedule.cancelled');
      expect(error.message).toContain('moved abroad');
      expect(setup.visits.visits).toEqual([]);
    });

    it('refuses with 409 a scheduled visit another visit already fulfils', async () => {
      const setup = setUp();
      await setup.consentTo(ConsentScope.RegistryFollowUp);
      const scheduled = withScheduledVisit(setup);
      const attend = (visitDate: string) =>
        setup.service.record(coordinatorAt(TOKYO), setup.participant.id, {
          ...visitOn(visitDate, mmse(28)),
          scheduledVisitId: scheduled.id,
        });
      await attend('2026-11-15');
      const error = await refusal(attend('2026-11-16'));
      expect(error.code).toBe('schedule.completed');
      expect(setup.visits.visits).toHaveLength(1);
    });
  });

  describe('listing visits', () => {
    it('shows a monitor of the site the visits with their assessments, latest first', async () => {
      const { service, participant, consentTo } = setUp();
      await consentTo(ConsentScope.RegistryFollowUp);
      await service.record(coordinatorAt(TOKYO), participant.id, visitOn('2026-06-01', mmse(29)));
      await service.record(coordinatorAt(TOKYO), participant.id, visitOn('2026-12-01', mmse(27)));
      const listed = await service.list(monitorAt(TOKYO), participant.id);
      expect(listed.map((v) => [v.visitDate, v.assessments?.map((a) => a.values.total)])).toEqual([
        ['2026-12-01', [27]],
        ['2026-06-01', [29]],
      ]);
    });

    it('answers not found to a monitor of another site', async () => {
      const { service, participant } = setUp();
      const error = await refusal(service.list(monitorAt(BOSTON), participant.id));
      expect(error.code).toBe('not_found');
    });
  });

  describe('correcting an assessment', () => {
    async function recorded(setup: ReturnType<typeof setUp>, ...assessments: RecordVisitDto['assessments']) {
      await setup.consentTo(ConsentScope.RegistryFollowUp, ConsentScope.BiomarkerSampling);
      const { visit } = await setup.service.record(
        coordinatorAt(TOKYO),
        setup.participant.id,
        visitOn('2026-11-01', ...assessments),
      );
      return visit.assessments![0];
    }

    it('replaces the values, counts the version, and audits the old and new values with the reason', async () => {
      const setup = setUp();
      const assessment = await recorded(setup, mmse(21));
      const corrected = await setup.service.correct(
        coordinatorAt(TOKYO),
        setup.participant.id,
        assessment.id,
        {
          values: { total: 27 },
          reason: 'transcription error',
        },
      );

      expect(corrected).toMatchObject({ values: { total: 27 }, version: 2 });
      expect(setup.visits.assessments[0]).toMatchObject({ values: { total: 27 }, version: 2 });
      expect(setup.visits.locked).toEqual([assessment.id]);
      const entry = setup.audit.only('assessment.corrected');
      expect(entry).toMatchObject({ entityId: assessment.id, siteId: TOKYO, reason: 'transcription error' });
      expect(entry.changes).toEqual([
        { field: 'values', old: { total: 21 }, new: { total: 27 } },
        { field: 'version', old: 1, new: 2 },
      ]);
      expect(setup.audit.events.map((event) => event.payload)).toContainEqual({
        participantId: setup.participant.id,
        cause: 'correction',
      });
    });

    it('changes and audits nothing when the values are the same', async () => {
      const setup = setUp();
      const assessment = await recorded(setup, mmse(21));
      const result = await setup.service.correct(coordinatorAt(TOKYO), setup.participant.id, assessment.id, {
        values: { total: 21 },
        reason: 'double check',
      });
      expect(result.version).toBe(1);
      expect(setup.visits.assessments[0].version).toBe(1);
      expect(setup.audit.entries.map((e) => e.action)).toEqual(['visit.recorded']);
    });

    it('refuses invalid values, naming the field, and keeps the recorded ones', async () => {
      const setup = setUp();
      const assessment = await recorded(setup, mmse(21));
      const error = await refusal(
        setup.service.correct(coordinatorAt(TOKYO), setup.participant.id, assessment.id, {
          values: { total: 31 },
          reason: 'typo',
        }),
      );
      expect(error.details).toEqual([expect.objectContaining({ field: 'values.total' })]);
      expect(setup.visits.assessments[0].values).toEqual({ total: 21 });
      expect(setup.audit.entries.map((e) => e.action)).toEqual(['visit.recorded']);
    });

    it("answers not found for another participant's assessment", async () => {
      const setup = setUp();
      const assessment = await recorded(setup, mmse(21));
      const other = setup.participants.add({ siteId: TOKYO });
      const error = await refusal(
        setup.service.correct(coordinatorAt(TOKYO), other.id, assessment.id, {
          values: { total: 22 },
          reason: 'r',
        }),
      );
      expect(error.code).toBe('not_found');
      expect(setup.visits.assessments[0].values).toEqual({ total: 21 });
    });

    it('re-derives the amyloid status from a corrected biomarker result, audited with the correction', async () => {
      const setup = setUp();
      const assessment = await recorded(setup, plasma(AmyloidStatus.Positive));
      await setup.service.correct(coordinatorAt(TOKYO), setup.participant.id, assessment.id, {
        values: { platform: 'c2n_precivity', analyte: 'ptau217', result: AmyloidStatus.Negative },
        reason: 'result sheet of another participant',
      });
      expect(setup.participants.rows.get(setup.participant.id)?.amyloidStatus).toBe(AmyloidStatus.Negative);
      expect(setup.audit.only('assessment.corrected').changes).toContainEqual({
        field: 'amyloidStatus',
        old: AmyloidStatus.Positive,
        new: AmyloidStatus.Negative,
      });
    });
  });
});
