import type {
  DeterminationRecord,
  FlagPage,
  FlagQuery,
  FlagRecord,
  FlagRepository,
  Tx,
} from '@registry/persistence';
import { fakeId, Public } from './public';

type StoredFlag = FlagRecord & { acknowledgedBy: string | null };

/** Flags and stored determinations in memory, filtered and ordered as the real queries do. */
export class FakeFlagRepository implements Public<FlagRepository> {
  readonly flags: StoredFlag[] = [];
  readonly determinations = new Map<string, DeterminationRecord[]>();
  /** Flag ids read for update, in order. */
  readonly locked: string[] = [];
  /** What the database's `now()` answers. */
  databaseNow = new Date('2026-12-01T10:00:00Z');

  list(_tx: Tx, query: FlagQuery): Promise<FlagPage> {
    const matching = this.flags
      .filter((flag) => query.allSites || query.siteIds.includes(flag.siteId))
      .filter((flag) => {
        if (query.status === 'open') return !flag.closedAt && !flag.acknowledgedAt;
        if (query.status === 'acknowledged') return !flag.closedAt && !!flag.acknowledgedAt;
        return !!flag.closedAt;
      })
      .filter((flag) => query.kind === null || flag.kind === query.kind)
      .filter((flag) => query.trialId === null || flag.trialId === query.trialId)
      .sort((a, b) => b.raisedAt.getTime() - a.raisedAt.getTime() || a.id.localeCompare(b.id));
    return Promise.resolve({
      flags: matching.slice(query.offset, query.offset + query.limit).map(publicView),
      total: matching.length,
    });
  }

  findForUpdate(_tx: Tx, flagId: string): Promise<FlagRecord | null> {
    const flag = this.flags.find((candidate) => candidate.id === flagId);
    if (flag) this.locked.push(flagId);
    return Promise.resolve(flag ? publicView(flag) : null);
  }

  acknowledge(_tx: Tx, flagId: string, userId: string): Promise<Date> {
    const flag = this.flags.find((candidate) => candidate.id === flagId);
    if (!flag) return Promise.reject(new Error(`no flag ${flagId}`));
    flag.acknowledgedAt = this.databaseNow;
    flag.acknowledgedBy = userId;
    return Promise.resolve(this.databaseNow);
  }

  closeOpenOfTrial(_tx: Tx, trialId: string, reason: string): Promise<number> {
    const open = this.flags.filter((flag) => flag.trialId === trialId && !flag.closedAt);
    for (const flag of open) Object.assign(flag, { closedAt: this.databaseNow, closeReason: reason });
    return Promise.resolve(open.length);
  }

  closeOpenOfParticipant(
    _tx: Tx,
    participantId: string,
    trialId: string,
    reasonForTrial: string,
    reasonForOthers: string,
  ): Promise<number> {
    const open = this.flags.filter((flag) => flag.participantId === participantId && !flag.closedAt);
    for (const flag of open)
      Object.assign(flag, {
        closedAt: this.databaseNow,
        closeReason: flag.trialId === trialId ? reasonForTrial : reasonForOthers,
      });
    return Promise.resolve(open.length);
  }

  closeOpenOfParticipantForTrial(
    _tx: Tx,
    participantId: string,
    trialId: string,
    reason: string,
  ): Promise<number> {
    const open = this.flags.filter(
      (flag) => flag.participantId === participantId && flag.trialId === trialId && !flag.closedAt,
    );
    for (const flag of open) Object.assign(flag, { closedAt: this.databaseNow, closeReason: reason });
    return Promise.resolve(open.length);
  }

  determinationsOf(_tx: Tx, participantId: string): Promise<DeterminationRecord[]> {
    const stored = this.determinations.get(participantId) ?? [];
    return Promise.resolve([...stored].sort((a, b) => a.trialTitle.localeCompare(b.trialTitle)));
  }

  /** Stores an open flag with plausible defaults for what the test does not care about. */
  add(fields: Partial<StoredFlag> & { participantId: string; siteId: string; trialId: string }): StoredFlag {
    const flag: StoredFlag = {
      id: fakeId(),
      trialTitle: 'A4',
      kind: 'eligible',
      episode: 1,
      test: null,
      raisedAt: new Date('2026-11-30T08:00:00Z'),
      acknowledgedAt: null,
      acknowledgedBy: null,
      closedAt: null,
      closeReason: null,
      ...fields,
    };
    this.flags.push(flag);
    return flag;
  }

  addDetermination(participantId: string, determination: DeterminationRecord): void {
    this.determinations.set(participantId, [
      ...(this.determinations.get(participantId) ?? []),
      determination,
    ]);
  }
}

function publicView({ acknowledgedBy: _by, ...flag }: StoredFlag): FlagRecord {
  return flag;
}
