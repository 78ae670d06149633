import type { AmyloidStatus } from '@registry/domain';
import type {
  AmyloidResult,
  AssessmentEntity,
  NewAssessment,
  NewVisit,
  Tx,
  VisitEntity,
  VisitRepository,
  VisitWithAssessments,
} from '@registry/persistence';
import { fakeId, Public } from './public';

/** Each stored row is created a millisecond after the last, so "recorded last" is well defined. */
let recorded = Date.parse('2026-01-01T00:00:00Z');
const nextCreatedAt = () => new Date((recorded += 1));

export class FakeVisitRepository implements Public<VisitRepository> {
  readonly visits: VisitEntity[] = [];
  readonly assessments: AssessmentEntity[] = [];
  /** Assessment ids read with a lock, in order: a correction must lock the assessment first. */
  readonly locked: string[] = [];

  findByIdempotencyKey(_tx: Tx, participantId: string, idempotencyKey: string): Promise<VisitEntity | null> {
    const visit = this.visits.find(
      (v) => v.participantId === participantId && v.idempotencyKey === idempotencyKey,
    );
    return Promise.resolve(visit ? this.withAssessments(visit) : null);
  }

  insert(_tx: Tx, visit: NewVisit, assessments: NewAssessment[]): Promise<VisitWithAssessments> {
    // The partial unique keys visit_idempotency_key and visit_scheduled_visit_key.
    if (
      visit.idempotencyKey !== null &&
      this.visits.some(
        (v) => v.participantId === visit.participantId && v.idempotencyKey === visit.idempotencyKey,
      )
    )
      return Promise.reject(new Error('duplicate key visit_idempotency_key'));
    if (
      visit.scheduledVisitId !== null &&
      this.visits.some((v) => v.scheduledVisitId === visit.scheduledVisitId)
    )
      return Promise.reject(new Error('duplicate key visit_scheduled_visit_key'));
    const stored: VisitEntity = { id: fakeId(), createdAt: nextCreatedAt(), ...visit };
    this.visits.push(stored);
    const storedAssessments = assessments.map((assessment): AssessmentEntity => {
      const createdAt = nextCreatedAt();
      return { id: fakeId(), visitId: stored.id, version: 1, createdAt, updatedAt: createdAt, ...assessment };
    });
    this.assessments.push(...storedAssessments);
    return Promise.resolve({ ...stored, assessments: storedAssessments.map((a) => ({ ...a })) });
  }

  listOf(_tx: Tx, participantId: string): Promise<VisitEntity[]> {
    return Promise.resolve(
      this.visits
        .filter((v) => v.participantId === participantId)
        .sort(
          (a, b) => b.visitDate.localeCompare(a.visitDate) || b.createdAt.getTime() - a.createdAt.getTime(),
        )
        .map((v) => this.withAssessments(v)),
    );
  }

  isScheduledVisitAttended(_tx: Tx, scheduledVisitId: string): Promise<boolean> {
    return Promise.resolve(this.visits.some((v) => v.scheduledVisitId === scheduledVisitId));
  }

  visitIdsByScheduledVisit(_tx: Tx, scheduledVisitIds: string[]): Promise<Map<string, string>> {
    return Promise.resolve(
      new Map(
        this.visits
          .filter((v) => v.scheduledVisitId !== null && scheduledVisitIds.includes(v.scheduledVisitId))
          .map((v) => [v.scheduledVisitId!, v.id]),
      ),
    );
  }

  findAssessmentForUpdate(
    _tx: Tx,
    participantId: string,
    assessmentId: string,
  ): Promise<AssessmentEntity | null> {
    this.locked.push(assessmentId);
    const assessment = this.assessments.find(
      (a) => a.id === assessmentId && a.participantId === participantId,
    );
    return Promise.resolve(assessment ? { ...assessment } : null);
  }

  saveCorrection(_tx: Tx, assessment: AssessmentEntity): Promise<void> {
    const index = this.assessments.findIndex((a) => a.id === assessment.id);
    if (index < 0) return Promise.reject(new Error(`no assessment ${assessment.id}`));
    this.assessments[index] = { ...assessment, updatedAt: nextCreatedAt() };
    return Promise.resolve();
  }

  /** As the SQL: per type, the latest by day then by recording, among results whose status is present and known. */
  latestKnownAmyloidResults(
    _tx: Tx,
    participantId: string,
    types: readonly string[],
  ): Promise<AmyloidResult[]> {
    const latest = new Map<string, AssessmentEntity>();
    for (const assessment of this.assessments) {
      const status = assessment.derived.amyloidStatus;
      if (assessment.participantId !== participantId || !types.includes(assessment.type)) continue;
      if (status === undefined || status === null || status === 'unknown') continue;
      const current = latest.get(assessment.type);
      const later =
        !current ||
        assessment.performedOn > current.performedOn ||
        (assessment.performedOn === current.performedOn && assessment.createdAt > current.createdAt);
      if (later) latest.set(assessment.type, assessment);
    }
    return Promise.resolve(
      [...latest.values()].map((a) => ({
        type: a.type,
        performedOn: a.performedOn,
        status: a.derived.amyloidStatus as AmyloidStatus,
      })),
    );
  }

  private withAssessments(visit: VisitEntity): VisitEntity {
    return {
      ...visit,
      assessments: this.assessments.filter((a) => a.visitId === visit.id).map((a) => ({ ...a })),
    };
  }
}
