import {
  CalendarDate,
  FlagKind,
  ParticipantProfile,
  StoredVerdict,
  storedTimeChangeDay,
  timeChangeDue,
} from '@registry/domain';
import type {
  ChosenParticipant,
  CohortSlice,
  LocatedParticipant,
  ProfileRequest,
  ScreenableTrial,
  ScreeningInput,
  ScreeningRepository,
  ScreeningSubject,
  Tx,
} from '@registry/persistence';
import type { FakeDeterminationRepository } from './determination.repository.fake';
import type { Public } from './public';

/** A participant as the fake reads them for screening: their profile (without a day) and site. */
export interface FakeScreenedParticipant {
  profile: ParticipantProfile;
  siteId: string;
}

/**
 * Reads what screening reads from the test's participants, trials and sites, and what the fake determination
 * repository holds (stored determinations and open flags), so that a second screening sees the first's writes.
 */
export class FakeScreeningRepository implements Public<ScreeningRepository> {
  /** Every trial, recruiting or not. */
  readonly trials: (ScreenableTrial & { recruiting: boolean })[] = [];
  readonly participants = new Map<string, FakeScreenedParticipant>();
  readonly timeZones = new Map<string, string>();
  /** Participant ids whose row locks were taken, in order. */
  readonly locked: string[] = [];

  constructor(private readonly written: FakeDeterminationRepository) {}

  recruitingTrials(_tx: Tx, trialIds?: readonly string[]): Promise<ScreenableTrial[]> {
    return Promise.resolve(
      this.trials
        .filter((t) => t.recruiting && (!trialIds || trialIds.includes(t.id)))
        .sort((a, b) => a.id.localeCompare(b.id))
        .map(({ recruiting: _recruiting, ...trial }) => trial),
    );
  }

  locate(_tx: Tx, sortedIds: readonly string[], lock: boolean): Promise<LocatedParticipant[]> {
    const found = [...sortedIds].sort().filter((id) => this.participants.has(id));
    if (lock) this.locked.push(...found);
    return Promise.resolve(
      found.map((id) => ({ id, time_zone: this.timeZoneOf(this.participants.get(id)!.siteId) })),
    );
  }

  loadInputs(_tx: Tx, requests: ProfileRequest[], trialIds: readonly string[]): Promise<ScreeningInput[]> {
    return Promise.resolve(
      requests
        .filter((r) => this.participants.has(r.participantId))
        .map((r) => this.input(r.participantId, r.asOf, trialIds)),
    );
  }

  loadCohortInputs(
    _tx: Tx,
    slice: CohortSlice,
    asOfAtSite: (siteId: string) => CalendarDate,
    trialIds: readonly string[],
  ): Promise<ScreeningInput[]> {
    return Promise.resolve(
      this.slice(slice).map(({ participantId, siteId }) =>
        this.input(participantId, asOfAtSite(siteId), trialIds),
      ),
    );
  }

  chooseCohort(_tx: Tx, slice: CohortSlice): Promise<ChosenParticipant[]> {
    return Promise.resolve(this.slice(slice));
  }

  siteTimeZones(_tx: Tx, siteIds: readonly string[]): Promise<Map<string, string>> {
    return Promise.resolve(
      new Map(siteIds.filter((id) => this.timeZones.has(id)).map((id) => [id, this.timeZones.get(id)!])),
    );
  }

  private timeZoneOf(siteId: string): string {
    const zone = this.timeZones.get(siteId);
    if (!zone) throw new Error(`no site ${siteId}`);
    return zone;
  }

  /** As PostgreSQL's ntile: the first (n mod parts) ranges take one participant more than the others. */
  partitionBounds(_tx: Tx, walked: Pick<CohortSlice, 'siteIds' | 'due'>, parts: number): Promise<string[]> {
    const ids = this.slice({ ...walked, after: null, limit: Infinity }).map((p) => p.participantId);
    const buckets = Math.min(parts, ids.length);
    const bounds: string[] = [];
    let end = 0;
    for (let bucket = 0; bucket < buckets; bucket++) {
      end += Math.floor(ids.length / buckets) + (bucket < ids.length % buckets ? 1 : 0);
      bounds.push(ids[end - 1]);
    }
    return Promise.resolve(bounds);
  }

  private slice({ siteIds, after, through, limit, due }: CohortSlice): ChosenParticipant[] {
    const isDue = (participantId: string) =>
      due === undefined ||
      due.trialIds.some((trialId) => {
        const stored = this.written.determinationOf(participantId, trialId);
        return stored && timeChangeDue(storedTimeChangeDay(stored.changesWithTimeOn), due.onOrBefore);
      });
    return [...this.participants.entries()]
      .filter(
        ([id, p]) =>
          siteIds.includes(p.siteId) &&
          (after === null || id > after) &&
          (through === undefined || through === null || id <= through) &&
          isDue(id),
      )
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, limit)
      .map(([participantId, p]) => ({ participantId, siteId: p.siteId }));
  }

  private input(participantId: string, asOf: CalendarDate, trialIds: readonly string[]): ScreeningInput {
    const { profile, siteId } = this.participants.get(participantId)!;
    const written = this.written;
    const subject: ScreeningSubject = {
      profile,
      stored(trialIndex: number, into: StoredVerdict): boolean {
        const stored = written.determinationOf(participantId, trialIds[trialIndex]);
        if (!stored) return false;
        Object.assign(into, {
          criteriaVersion: stored.criteriaVersion,
          result: stored.result,
          oneTestAway: stored.oneTestAway,
          explained: true,
          changesWithTimeOn: storedTimeChangeDay(stored.changesWithTimeOn),
        });
        return true;
      },
      openFlags: (trialIndex: number): readonly FlagKind[] =>
        written.openFlagKinds(participantId, trialIds[trialIndex]),
    };
    return { participantId, siteId, asOf, read: () => subject };
  }
}
