import { VISIT_RECORDED_CAUSE } from '@registry/jobs';
import { Injectable } from '@nestjs/common';
import {
  AMYLOID_MODALITY_OF_ASSESSMENT,
  BIOMARKER_ASSESSMENTS,
  checkAssessment,
  ConsentScope,
  currentAmyloidStatus,
  hasHappenedBy,
  isPerformedWithinVisit,
  isWithinWindow,
  PERFORMED_AFTER_VISIT_TOLERANCE_DAYS,
  VisitMode,
} from '@registry/domain';
import {
  AssessmentEntity,
  AuditRepository,
  diffForAudit,
  ParticipantEntity,
  ParticipantRepository,
  participantChanged,
  ScheduleRepository,
  Transactions,
  Tx,
  VisitEntity,
  VisitRepository,
} from '@registry/persistence';
import { canonicalJson, DomainError, ErrorDetail, ErrorKind, notFound } from '@registry/platform';
import { createHash } from 'node:crypto';
import type { Actor } from '../auth/actor';
import { ConsentsService } from '../consents/consents.service';
import { ParticipantAccess } from '../participants/participant-access';
import { invalidField } from '../participants/participant-errors';
import { SiteToday } from '../sites/site-today';
import type { CorrectAssessmentDto, RecordVisitDto } from './visit.dto';

export interface RecordedVisit {
  visit: VisitEntity;
  /** True when an earlier request with the same Idempotency-Key already recorded it. */
  replayed: boolean;
}

@Injectable()
export class VisitsService {
  constructor(
    private readonly transactions: Transactions,
    private readonly visits: VisitRepository,
    private readonly schedule: ScheduleRepository,
    private readonly participants: ParticipantRepository,
    private readonly audit: AuditRepository,
    private readonly access: ParticipantAccess,
    private readonly siteToday: SiteToday,
    private readonly consents: ConsentsService,
  ) {}

  /**
   * Records a visit and its assessments in one transaction: values validated and derived by the domain rules,
   * consent checked for the visit and for biomarker work, the window checked (outside it is a deviation that
   * needs a reason), the amyloid status refreshed, the change audited and announced through the outbox.
   */
  async record(
    actor: Actor,
    participantId: string,
    input: RecordVisitDto,
    idempotencyKey?: string,
  ): Promise<RecordedVisit> {
    const checked = input.assessments.map((assessment, index) =>
      checkAssessment(assessment, `assessments[${index}]`),
    );
    const problems: ErrorDetail[] = [
      ...checked.flatMap((c) => c.problems),
      ...performedAfterVisitProblems(input),
    ];
    if (problems.length > 0) {
      throw new DomainError(ErrorKind.InvalidInput, 'validation_failed', 'Validation failed', problems);
    }
    // Canonical: a retry with the same body in another key order is the same request, not a 409.
    const requestHash = createHash('sha256').update(canonicalJson(input)).digest('hex');

    return this.transactions.run(async (tx) => {
      // The participant row lock serialises writers for this participant, idempotent retries included.
      const participant = await this.access.writable(tx, actor, participantId);
      if (idempotencyKey) {
        const earlier = await this.visits.findByIdempotencyKey(tx, participant.id, idempotencyKey);
        if (earlier) {
          if (earlier.idempotencyRequestHash !== requestHash) {
            throw new DomainError(
              ErrorKind.Conflict,
              'idempotency.key_reused',
              'This Idempotency-Key was used for a different request',
            );
          }
          return { visit: earlier, replayed: true };
        }
      }

      const today = await this.siteToday.at(tx, participant.siteId);
      if (!hasHappenedBy(input.visitDate, today)) {
        throw invalidField('visitDate', 'notInFuture', 'visitDate is in the future at the site');
      }
      const performedAhead = performedInFutureProblems(input, today);
      if (performedAhead.length > 0) {
        throw new DomainError(
          ErrorKind.InvalidInput,
          'validation_failed',
          'Validation failed',
          performedAhead,
        );
      }
      await this.consents.requireScope(
        tx,
        participant.id,
        ConsentScope.RegistryFollowUp,
        input.visitDate,
        'recording a visit',
      );
      const biomarker = input.assessments.find((a) => BIOMARKER_ASSESSMENTS.includes(a.type));
      if (biomarker) {
        await this.consents.requireScope(
          tx,
          participant.id,
          ConsentScope.BiomarkerSampling,
          input.visitDate,
          `a ${biomarker.type} result`,
        );
      }
      const deviation = await this.checkWindow(tx, participant.id, input);

      const visit = await this.visits.insert(
        tx,
        {
          participantId: participant.id,
          scheduledVisitId: input.scheduledVisitId ?? null,
          visitDate: input.visitDate,
          mode: input.mode ?? VisitMode.Clinic,
          deviation,
          deviationReason: deviation ? input.deviationReason! : null,
          idempotencyKey: idempotencyKey ?? null,
          idempotencyRequestHash: idempotencyKey ? requestHash : null,
          recordedBy: actor.userId,
        },
        input.assessments.map((assessment, index) => ({
          participantId: participant.id,
          type: assessment.type,
          performedOn: assessment.performedOn ?? input.visitDate,
          values: assessment.values,
          derived: checked[index].derived,
        })),
      );
      const amyloidChanges = biomarker ? await this.refreshAmyloidStatus(tx, participant) : [];
      await this.audit.recordChange(
        tx,
        {
          action: 'visit.recorded',
          entityType: 'visit',
          entityId: visit.id,
          siteId: participant.siteId,
          changes: [
            { field: 'participantId', old: null, new: participant.id },
            { field: 'visitDate', old: null, new: visit.visitDate },
            { field: 'scheduledVisitId', old: null, new: visit.scheduledVisitId },
            ...(deviation ? [{ field: 'deviation', old: null, new: true }] : []),
            ...visit.assessments.map((a) => ({
              field: `assessment.${a.type}`,
              old: null,
              new: { id: a.id, values: a.values, derived: a.derived },
            })),
            ...amyloidChanges,
          ],
          reason: deviation ? input.deviationReason : null,
        },
        participantChanged(participant.id, VISIT_RECORDED_CAUSE),
      );
      return { visit, replayed: false };
    });
  }

  list(actor: Actor, participantId: string): Promise<VisitEntity[]> {
    return this.transactions.read(async (tx) => {
      const participant = await this.access.visible(tx, actor, participantId);
      return this.visits.listOf(tx, participant.id);
    });
  }

  /** A correction replaces the current values (what screening uses); the old ones stay in the audit trail. */
  async correct(
    actor: Actor,
    participantId: string,
    assessmentId: string,
    input: CorrectAssessmentDto,
  ): Promise<AssessmentEntity> {
    return this.transactions.run(async (tx) => {
      const participant = await this.access.writable(tx, actor, participantId);
      const assessment = await this.visits.findAssessmentForUpdate(tx, participant.id, assessmentId);
      if (!assessment) throw notFound('Assessment');
      const checked = checkAssessment({ type: assessment.type, values: input.values });
      if (checked.problems.length > 0) {
        throw new DomainError(
          ErrorKind.InvalidInput,
          'validation_failed',
          'Validation failed',
          checked.problems,
        );
      }
      const changes = diffForAudit(assessment, { values: input.values, derived: checked.derived }, [
        'values',
        'derived',
      ]);
      if (changes.length === 0) return assessment;
      assessment.values = input.values;
      assessment.derived = checked.derived;
      assessment.version += 1;
      await this.visits.saveCorrection(tx, assessment);
      const amyloidChanges = AMYLOID_MODALITY_OF_ASSESSMENT[assessment.type]
        ? await this.refreshAmyloidStatus(tx, participant)
        : [];
      await this.audit.recordChange(
        tx,
        {
          action: 'assessment.corrected',
          entityType: 'assessment',
          entityId: assessment.id,
          siteId: participant.siteId,
          changes: [
            ...changes,
            { field: 'version', old: assessment.version - 1, new: assessment.version },
            ...amyloidChanges,
          ],
          reason: input.reason,
        },
        participantChanged(participant.id, 'correction'),
      );
      return assessment;
    });
  }

  /** Outside the scheduled visit's window is allowed as a deviation, and then a reason is required. */
  private async checkWindow(tx: Tx, participantId: string, input: RecordVisitDto): Promise<boolean> {
    if (!input.scheduledVisitId) return false;
    const scheduled = await this.schedule.findOfParticipant(tx, participantId, input.scheduledVisitId);
    if (!scheduled)
      throw invalidField(
        'scheduledVisitId',
        'exists',
        "scheduledVisitId is not one of this participant's scheduled visits",
      );
    if (scheduled.cancelledAt) {
      throw new DomainError(
        ErrorKind.Conflict,
        'schedule.cancelled',
        'The scheduled visit was cancelled: ' + scheduled.cancelReason,
      );
    }
    if (await this.visits.isScheduledVisitAttended(tx, scheduled.id)) {
      throw new DomainError(
        ErrorKind.Conflict,
        'schedule.completed',
        'Another visit already fulfils this scheduled visit',
      );
    }
    const deviation = !isWithinWindow(input.visitDate, scheduled);
    if (deviation && !input.deviationReason) {
      throw invalidField(
        'deviationReason',
        'requiredOutsideWindow',
        `deviationReason is required: ${input.visitDate} is outside the window ${scheduled.windowStart} to ${scheduled.windowEnd}`,
      );
    }
    return deviation;
  }

  /** The participant's amyloid status from the most recent PET, CSF or plasma result with a known status. */
  private async refreshAmyloidStatus(tx: Tx, participant: ParticipantEntity) {
    const results = await this.visits.latestKnownAmyloidResults(
      tx,
      participant.id,
      Object.keys(AMYLOID_MODALITY_OF_ASSESSMENT),
    );
    const current = currentAmyloidStatus(
      results.map((result) => ({
        modality: AMYLOID_MODALITY_OF_ASSESSMENT[result.type]!,
        status: result.status,
        date: result.performedOn,
      })),
    );
    const next = {
      amyloidStatus: current.status,
      amyloidModality: 'modality' in current ? current.modality : null,
      amyloidDate: 'date' in current ? current.date : null,
    };
    const changes = diffForAudit(participant, next, ['amyloidStatus', 'amyloidModality', 'amyloidDate']);
    if (changes.length) await this.participants.updateAmyloidStatus(tx, participant.id, next);
    return changes;
  }
}

/** Assessments dated after the visit that reports them, beyond the tolerance the domain allows. */
function performedAfterVisitProblems(input: RecordVisitDto): ErrorDetail[] {
  return input.assessments.flatMap((assessment, index) => {
    if (!assessment.performedOn || isPerformedWithinVisit(assessment.performedOn, input.visitDate)) return [];
    const field = `assessments[${index}].performedOn`;
    const message = `${field} must not be after the visit date ${input.visitDate} (tolerance: ${PERFORMED_AFTER_VISIT_TOLERANCE_DAYS} days)`;
    return [{ field, constraint: 'notAfterVisit', message }];
  });
}

/** Assessments dated after today at the site: a result cannot be recorded before it exists. */
function performedInFutureProblems(input: RecordVisitDto, today: string): ErrorDetail[] {
  return input.assessments.flatMap((assessment, index) => {
    if (!assessment.performedOn || hasHappenedBy(assessment.performedOn, today)) return [];
    const field = `assessments[${index}].performedOn`;
    return [{ field, constraint: 'notInFuture', message: `${field} is in the future at the site` }];
  });
}
