import { Injectable } from '@nestjs/common';
import type { AmyloidStatus, AssessmentType, CalendarDate, VisitMode } from '@registry/domain';
import { In } from 'typeorm';
import { AssessmentEntity, VisitEntity } from '../entities/visit.entity';
import type { Tx } from './transactions';

export interface NewVisit {
  participantId: string;
  scheduledVisitId: string | null;
  visitDate: CalendarDate;
  mode: VisitMode;
  deviation: boolean;
  deviationReason: string | null;
  /** With the hash of the request that used it, so that a retry is answered with this visit. */
  idempotencyKey: string | null;
  idempotencyRequestHash: string | null;
  recordedBy: string;
}

export interface NewAssessment {
  participantId: string;
  type: AssessmentType;
  performedOn: CalendarDate;
  values: Record<string, unknown>;
  derived: Record<string, unknown>;
}

export type VisitWithAssessments = VisitEntity & { assessments: AssessmentEntity[] };

/** The most recent result of one amyloid assessment type that gave a known status. */
export interface AmyloidResult {
  type: string;
  performedOn: CalendarDate;
  status: AmyloidStatus;
}

/**
 * Visits that took place and the assessments done at them (idempotency keys are stored on the visit).
 * Assessments are corrected in place, their version counting the corrections; the audit trail keeps the
 * earlier values.
 */
@Injectable()
export class VisitRepository {
  /** The visit an earlier request with this Idempotency-Key recorded for the participant, with its assessments. */
  findByIdempotencyKey(tx: Tx, participantId: string, idempotencyKey: string): Promise<VisitEntity | null> {
    return tx.findOne(VisitEntity, {
      where: { participantId, idempotencyKey },
      relations: { assessments: true },
    });
  }

  /** Stores a visit and its assessments (each at version 1); returns the visit with them. */
  async insert(tx: Tx, visit: NewVisit, assessments: NewAssessment[]): Promise<VisitWithAssessments> {
    const stored = await tx.save(tx.create(VisitEntity, visit));
    const storedAssessments = await tx.save(
      assessments.map((assessment) =>
        tx.create(AssessmentEntity, { ...assessment, visitId: stored.id, version: 1 }),
      ),
    );
    return Object.assign(stored, { assessments: storedAssessments });
  }

  /** A participant's visits with their assessments, latest first. */
  listOf(tx: Tx, participantId: string): Promise<VisitEntity[]> {
    return tx.find(VisitEntity, {
      where: { participantId },
      relations: { assessments: true },
      order: { visitDate: 'DESC', createdAt: 'DESC' },
    });
  }

  /** Whether a visit already fulfils this scheduled visit. */
  isScheduledVisitAttended(tx: Tx, scheduledVisitId: string): Promise<boolean> {
    return tx.existsBy(VisitEntity, { scheduledVisitId });
  }

  /** Scheduled visit id -> id of the visit that fulfilled it, for those of `scheduledVisitIds` that took place. */
  async visitIdsByScheduledVisit(tx: Tx, scheduledVisitIds: string[]): Promise<Map<string, string>> {
    const visits = scheduledVisitIds.length
      ? await tx.findBy(VisitEntity, { scheduledVisitId: In(scheduledVisitIds) })
      : [];
    return new Map(visits.map((visit) => [visit.scheduledVisitId!, visit.id]));
  }

  /** One of the participant's assessments, locked until the transaction ends so corrections are serialised. */
  findAssessmentForUpdate(
    tx: Tx,
    participantId: string,
    assessmentId: string,
  ): Promise<AssessmentEntity | null> {
    return tx.findOne(AssessmentEntity, {
      where: { id: assessmentId, participantId },
      lock: { mode: 'pessimistic_write' },
    });
  }

  /** Stores a corrected assessment read by `findAssessmentForUpdate` (its values, derived and version). */
  async saveCorrection(tx: Tx, assessment: AssessmentEntity): Promise<void> {
    await tx.save(assessment);
  }

  /**
   * For each of `types`, the participant's most recent result whose derived amyloid status is known (on the
   * same day, the one recorded last).
   */
  async latestKnownAmyloidResults(
    tx: Tx,
    participantId: string,
    types: readonly string[],
  ): Promise<AmyloidResult[]> {
    const rows = await tx.query<{ type: string; performed_on: string; status: AmyloidStatus }[]>(
      `SELECT DISTINCT ON (type) type, performed_on::text, derived->>'amyloidStatus' AS status
         FROM assessment
        WHERE participant_id = $1 AND type = ANY($2::text[]) AND derived->>'amyloidStatus' <> 'unknown'
        ORDER BY type, performed_on DESC, created_at DESC`,
      [participantId, types],
    );
    return rows.map((row) => ({ type: row.type, performedOn: row.performed_on, status: row.status }));
  }
}
