import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { AuditEventEntity } from '@registry/persistence';
import { IsISO8601, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { INSTANT_RANGE, IsInstantInRange } from '../common/calendar-date';
import { PageQueryDto } from '../common/paging';

export class AuditQueryDto extends PageQueryDto {
  /** @example user */
  @IsOptional()
  @Matches(/^[a-z_]{1,64}$/, { message: 'entityType must be lower-case letters and underscores' })
  entityType?: string;

  @IsOptional()
  @IsString()
  @MaxLength(100)
  entityId?: string;

  /** User id of the actor */
  @IsOptional()
  @IsUUID()
  actor?: string;

  @ApiPropertyOptional({ format: 'date-time', description: `Inclusive lower bound: ${INSTANT_RANGE}` })
  @IsOptional()
  @IsISO8601({ strict: true })
  @IsInstantInRange()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: `Exclusive upper bound: ${INSTANT_RANGE}` })
  @IsOptional()
  @IsISO8601({ strict: true })
  @IsInstantInRange()
  to?: string;
}

export class AuditedChangeDto {
  field: string;
  /** Value before the change (null when created) */
  @ApiProperty({ nullable: true })
  old: unknown;
  /** Value after the change */
  @ApiProperty({ nullable: true })
  new: unknown;
}

export class AuditEventDto {
  /** Position in the hash chain */
  id: string;
  /** UTC, from the database clock */
  @ApiProperty({ format: 'date-time' })
  occurredAt: string;
  /** Null for the system */
  @ApiProperty({ type: String, format: 'uuid' })
  actorUserId: string | null;
  actorRole: string;
  /** @example user.role_changed */
  action: string;
  entityType: string;
  entityId: string | null;
  @ApiProperty({ type: String, format: 'uuid' })
  siteId: string | null;
  changes: AuditedChangeDto[];
  reason: string | null;
  requestId: string | null;
  hash: string;

  static from(this: void, event: AuditEventEntity): AuditEventDto {
    return {
      id: event.id,
      occurredAt: event.occurredAt.toISOString(),
      actorUserId: event.actorUserId,
      actorRole: event.actorRole,
      action: event.action,
      entityType: event.entityType,
      entityId: event.entityId,
      siteId: event.siteId,
      changes: event.changes,
      reason: event.reason,
      requestId: event.requestId,
      hash: event.hash,
    };
  }
}

export class AuditPageDto {
  items: AuditEventDto[];
  page: number;
  pageSize: number;
  total: number;
}

export class BrokenLinkDto {
  /** Id of the first row that does not verify */
  id: string;
  /** Edited row, or a row removed or inserted before it */
  problem: 'hash_mismatch' | 'link_mismatch';
}

export class InvalidCheckpointDto {
  /** Id of the first checkpoint that does not hold */
  id: string;
  /** Forged (not signed with our key), or its head row was deleted or rewritten since */
  problem: 'signature_invalid' | 'head_missing' | 'head_hash_mismatch';
}

export class NewestCheckpointDto {
  id: string;
  /** The audit row that was the head of the chain when it was signed */
  headEventId: string;
  @ApiProperty({ format: 'date-time' })
  createdAt: string;
}

export class CheckpointVerificationDto {
  valid: boolean;
  /** Checkpoints whose signature and head row were checked */
  checked: number;
  firstInvalid?: InvalidCheckpointDto;
  /** Absent when none was written yet */
  newest?: NewestCheckpointDto;
  /**
   * Rows after the newest checkpoint: they are protected by the hash chain alone, so a rewrite of them
   * with the chain recomputed, or a cut of them, is not detected until a later checkpoint covers them
   */
  rowsAfterNewest: number;
}

export class AuditVerificationDto {
  /** The chain holds and every checkpoint holds */
  valid: boolean;
  /** Rows verified before the first broken link (or all of them) */
  checked: number;
  firstBrokenLink?: BrokenLinkDto;
  checkpoints: CheckpointVerificationDto;
}
