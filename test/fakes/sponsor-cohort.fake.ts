import type { CalendarDate, ParticipantProfile, StoredVerdict } from '@registry/domain';
import { NEVER_CHANGES_WITH_TIME } from '@registry/domain';
import type { ScreeningSubject, SiteEntity, Tx } from '@registry/persistence';
import type { CountedSubject, SponsorCohort } from '@registry/sponsor-reports';
import type { Public } from './public';

/** What screening last stored for a participant and trial, as far as a sponsor's counts read it. */
export interface FakeStoredVerdict {
  criteriaVersion: number;
  result: 'eligible' | 'ineligible' | 'undetermined';
  oneTestAway: string | null;
}

/** A participant as the fake cohort walks them: profile, site, their site's day and what screening stored. */
export interface FakeCohortMember {
  participantId: string;
  siteId: string;
  today: CalendarDate;
  profile: ParticipantProfile;
  /** By trial id. */
  stored: Map<string, FakeStoredVerdict>;
}

/**
 * Walks hand-made participants instead of reading them through ScreeningRepository: only those at the sites
 * asked for, each with what is stored for the trials asked for by their index in `trialIds`, as the real
 * walk hands them out. Keeps each walk's arguments.
 */
export class FakeSponsorCohort implements Public<SponsorCohort> {
  readonly members: FakeCohortMember[] = [];
  readonly walks: {
    tx: Tx;
    siteIds: string[];
    trialIds: string[];
    assessmentTypes: readonly string[] | undefined;
  }[] = [];

  /** Called as each walk starts (a test may move its clock, as a walk over a large cohort takes time). */
  onWalk: () => void = () => undefined;

  /** The day for a trial with no sites, or whose sites have no members here. */
  emptyToday: CalendarDate = '2026-12-02';

  latestToday(sites: readonly SiteEntity[]): CalendarDate {
    const days = this.members
      .filter((member) => sites.some((site) => site.id === member.siteId))
      .map((member) => member.today);
    return days.length === 0 ? this.emptyToday : days.reduce((a, b) => (b > a ? b : a));
  }

  walk(
    tx: Tx,
    sites: readonly SiteEntity[],
    trialIds: readonly string[],
    assessmentTypes: readonly string[] | undefined,
    visit: (participant: CountedSubject) => void,
  ): Promise<void> {
    this.walks.push({ tx, siteIds: sites.map((site) => site.id), trialIds: [...trialIds], assessmentTypes });
    this.onWalk();
    for (const member of this.members) {
      const site = sites.find((candidate) => candidate.id === member.siteId);
      if (!site) continue;
      visit({
        participantId: member.participantId,
        subject: subjectOf(member, trialIds),
        siteCode: site.code,
        today: member.today,
      });
    }
    return Promise.resolve();
  }
}

function subjectOf(member: FakeCohortMember, trialIds: readonly string[]): ScreeningSubject {
  return {
    profile: member.profile,
    stored(trialIndex: number, into: StoredVerdict): boolean {
      const stored = member.stored.get(trialIds[trialIndex]);
      if (!stored) return false;
      Object.assign(into, { ...stored, explained: true, changesWithTimeOn: NEVER_CHANGES_WITH_TIME });
      return true;
    },
    openFlags: () => [],
  };
}
