import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  AMYLOID_MODALITY_OF_ASSESSMENT,
  AmyloidStatus,
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
  diffForAudit,
  ParticipantEntity,
  participantChanged,
  recordAuditedChange,
  ScheduledVisitEntity,
  VisitEntity,
} from '@registry/persistence';
import {
  canonicalJson,
  DomainError,
  ErrorDetail,
  ErrorKind,
  notFound,
} from '@registry/platform';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
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
    @InjectDataSource() private readonly dataSource: DataSource,
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

    return this.dataSource.transaction(async (manager) => {
      // The participant row lock serialises writers for this participant, idempotent retries included.
      const participant = await this.access.writable(manager, actor, participantId);
      if (idempotencyKey) {
        const earlier = await manager.findOne(VisitEntity, {
          where: { participantId: participant.id, idempotencyKey },
          relations: { assessments: true },
        });
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

      const today = await this.siteToday.at(manager, participant.siteId);
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
        manager,
        participant.id,
        ConsentScope.RegistryFollowUp,
        input.visitDate,
        'recording a visit',
      );
      const biomarker = input.assessments.find((a) => BIOMARKER_ASSESSMENTS.includes(a.type));
      if (biomarker) {
        await this.consents.requireScope(
          manager,
          participant.id,
          ConsentScope.BiomarkerSampling,
          input.visitDate,
          `a ${biomarker.type} result`,
        );
      }
      const deviation = await this.checkWindow(manager, participant.id, input);

      const visit = await manager.save(
        manager.create(VisitEntity, {
          participantId: participant.id,
          scheduledVisitId: input.scheduledVisitId ?? null,
          visitDate: input.visitDate,
          mode: input.mode ?? VisitMode.Clinic,
          deviation,
          deviationReason: deviation ? input.deviationReason! : null,
          idempotencyKey: idempotencyKey ?? null,
          idempotencyRequestHash: idempotencyKey ? requestHash : null,
          recordedBy: actor.userId,
        }),
      );
      visit.assessments = await manager.save(
        input.assessments.map((assessment, index) =>
          manager.create(AssessmentEntity, {
            visitId: visit.id,
            participantId: participant.id,
            type: assessment.type,
            performedOn: assessment.performedOn ?? input.visitDate,
            values: assessment.values,
            derived: checked[index].derived,
            version: 1,
          }),
        ),
      );
      const amyloidChanges = biomarker ? await this.refreshAmyloidStatus(manager, participant) : [];
      await recordAuditedChange(
        manager,
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
        participantChanged(participant.id, 'visit'),
      );
      return { visit, replayed: false };
    });
  }

  async list(actor: Actor, participantId: string): Promise<VisitEntity[]> {
    const participant = await this.access.visible(this.dataSource.manager, actor, participantId);
    return this.dataSource.getRepository(VisitEntity).find({
      where: { participantId: participant.id },
      relations: { assessments: true },
      order: { visitDate: 'DESC', createdAt: 'DESC' },
    });
  }

  /** A correction replaces the current values (what screening uses); the old ones stay in the audit trail. */
  async correct(
    actor: Actor,
    participantId: string,
    assessmentId: string,
    input: CorrectAssessmentDto,
  ): Promise<AssessmentEntity> {
    return this.dataSource.transaction(async (manager) => {
      const participant = await this.access.writable(manager, actor, participantId);
      const assessment = await manager.findOne(AssessmentEntity, {
        where: { id: assessmentId, participantId: participant.id },
        lock: { mode: 'pessimistic_write' },
      });
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
      await manager.save(assessment);
      const amyloidChanges = AMYLOID_MODALITY_OF_ASSESSMENT[assessment.type]
        ? await this.refreshAmyloidStatus(manager, participant)
        : [];
      await recordAuditedChange(
        manager,
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
  private async checkWindow(
    manager: EntityManager,
    participantId: string,
    input: RecordVisitDto,
  ): Promise<boolean> {
    if (!input.scheduledVisitId) return false;
    const scheduled = await manager.findOneBy(ScheduledVisitEntity, {
      id: input.scheduledVisitId,
      participantId,
    });
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
    if (await manager.existsBy(VisitEntity, { scheduledVisitId: scheduled.id })) {
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
  private async refreshAmyloidStatus(manager: EntityManager, participant: ParticipantEntity) {
    const rows = await manager.query<{ type: string; performed_on: string; status: AmyloidStatus }[]>(
      `SELECT DISTINCT ON (type) type, performed_on::text, derived->>'amyloidStatus' AS status
         FROM assessment
        WHERE participant_id = $1 AND type = ANY($2::text[]) AND derived->>'amyloidStatus' <> 'unknown'
        ORDER BY type, performed_on DESC, created_at DESC`,
      [participant.id, Object.keys(AMYLOID_MODALITY_OF_ASSESSMENT)],
    );
    const current = currentAmyloidStatus(
      rows.map((row) => ({
        modality: AMYLOID_MODALITY_OF_ASSESSMENT[row.type]!,
        status: row.status,
        date: row.performed_on,
      })),
    );
    const next = {
      amyloidStatus: current.status,
      amyloidModality: 'modality' in current ? current.modality : null,
      amyloidDate: 'date' in current ? current.date : null,
    };
    const changes = diffForAudit(participant, next, ['amyloidStatus', 'amyloidModality', 'amyloidDate']);
    if (changes.length) await manager.update(ParticipantEntity, participant.id, next);
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
