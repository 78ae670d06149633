import { Injectable } from '@nestjs/common';
import { explainStoredDetermination, notScreenedReason } from '@registry/domain';
import {
  AuditRepository,
  DeterminationRecord,
  FlagRecord,
  FlagRepository,
  Transactions,
} from '@registry/persistence';
import { DomainError, ErrorKind, notFound } from '@registry/platform';
import { siteScopeOf } from '../auth/access-policy';
import type { Actor } from '../auth/actor';
import { ParticipantAccess } from '../participants/participant-access';
import type { EligibilityDto, FlagDto, FlagQueryDto } from './flag.dto';

const toDto = (flag: FlagRecord): FlagDto => ({
  id: flag.id,
  participantId: flag.participantId,
  trialId: flag.trialId,
  trialTitle: flag.trialTitle,
  kind: flag.kind,
  episode: flag.episode,
  test: flag.test,
  raisedAt: flag.raisedAt.toISOString(),
  acknowledgedAt: flag.acknowledgedAt?.toISOString() ?? null,
  closedAt: flag.closedAt?.toISOString() ?? null,
  closeReason: flag.closeReason,
});

@Injectable()
export class FlagsService {
  constructor(
    private readonly transactions: Transactions,
    private readonly flags: FlagRepository,
    private readonly audit: AuditRepository,
    private readonly access: ParticipantAccess,
  ) {}

  /** Flags of the caller's sites (admins: all), newest first. */
  async list(actor: Actor, query: FlagQueryDto): Promise<[FlagDto[], number]> {
    const scope = siteScopeOf(actor);
    const page = await this.transactions.read((tx) =>
      this.flags.list(tx, {
        allSites: scope.all,
        siteIds: scope.all ? [] : scope.siteIds,
        status: query.status,
        kind: query.kind ?? null,
        trialId: query.trialId ?? null,
        limit: query.pageSize,
        offset: (query.page - 1) * query.pageSize,
      }),
    );
    return [page.flags.map(toDto), page.total];
  }

  async acknowledge(actor: Actor, id: string): Promise<FlagDto> {
    return this.transactions.run(async (tx) => {
      const flag = await this.flags.findForUpdate(tx, id);
      if (!flag || !this.access.canSee(actor, flag.siteId)) throw notFound('Flag');
      if (flag.closedAt)
        throw new DomainError(ErrorKind.Conflict, 'flag.closed', `The flag was closed: ${flag.closeReason}`);
      if (flag.acknowledgedAt) return toDto(flag);
      const acknowledgedAt = await this.flags.acknowledge(tx, id, actor.userId);
      await this.audit.record(tx, {
        action: 'flag.acknowledged',
        entityType: 'eligibility_flag',
        entityId: id,
        siteId: flag.siteId,
        changes: [{ field: 'acknowledgedAt', old: null, new: acknowledgedAt.toISOString() }],
      });
      return toDto({ ...flag, acknowledgedAt });
    });
  }

  /**
   * Every trial's stored determination (what flags follow) with the explanation stored with it, rebuilt
   * from its leaf judgements and its criteria version: the explanation always reaches the result shown,
   * and says which day it was judged for and when. Nothing is worked out from today's data, which may have
   * changed since (the next screening stores a new determination if the result changes). A participant who
   * has only registered is shown as not screened, with the reason, instead of ineligible everywhere.
   */
  eligibility(actor: Actor, participantId: string): Promise<EligibilityDto[]> {
    return this.transactions.read(async (tx) => {
      const participant = await this.access.visible(tx, actor, participantId);
      const determinations = await this.flags.determinationsOf(tx, participant.id);
      const notScreened = notScreenedReason(participant.status);
      return determinations.map((determination) =>
        notScreened ? notScreenedDto(determination, notScreened) : storedDto(determination),
      );
    });
  }
}

function storedDto(determination: DeterminationRecord): EligibilityDto {
  const explained =
    determination.leafJudgements === null
      ? null
      : explainStoredDetermination(determination.document.criteria, determination.leafJudgements);
  return {
    trialId: determination.trialId,
    trialTitle: determination.trialTitle,
    screening: 'screened',
    notScreenedReason: null,
    result: determination.result,
    oneTestAway: determination.oneTestAway,
    criteriaVersion: determination.criteriaVersion,
    asOf: explained?.asOf ?? determination.asOf,
    computedAt: determination.evaluatedAt.toISOString(),
    since: determination.changedAt.toISOString(),
    explanation: explained && {
      tree: explained.tree,
      summary: explained.summary,
      oneTestAway: explained.oneTestAway,
    },
  };
}

function notScreenedDto(determination: DeterminationRecord, reason: string): EligibilityDto {
  return {
    trialId: determination.trialId,
    trialTitle: determination.trialTitle,
    screening: 'not_screened',
    notScreenedReason: reason,
    result: null,
    oneTestAway: null,
    criteriaVersion: null,
    asOf: null,
    computedAt: null,
    since: null,
    explanation: null,
  };
}
