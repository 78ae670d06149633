import { Injectable } from '@nestjs/common';
import type { CalendarDate } from '@registry/domain';
import { ScreeningRepository, ScreeningSubject, SiteEntity, Tx } from '@registry/persistence';
import { SiteCalendar } from '@registry/platform';

/** One participant as a sponsor's counts see them: the profile screening judges, their site and day. */
export interface CountedSubject {
  participantId: string;
  subject: ScreeningSubject;
  siteCode: string;
  /** The calendar day at the participant's site. */
  today: CalendarDate;
}

/** Participants read per statement: a batch's profiles are dropped before the next is read. */
const BATCH = 2000;

/**
 * Walks the participants of some sites with the reads screening uses (`ScreeningRepository`), so that a
 * sponsor's counts judge status, consent held today and every fact exactly as screening does, each person
 * on their own site's calendar day. Nothing about a person leaves this walk but what the tallies count.
 */
@Injectable()
export class SponsorCohort {
  constructor(
    private readonly screening: ScreeningRepository,
    private readonly calendar: SiteCalendar,
  ) {}

  /**
   * The latest calendar day among the sites (the day a pool's counts hold for: each participant is judged on
   * their own site's day, and no site is past this one); the day in UTC for no site at all.
   */
  latestToday(sites: readonly SiteEntity[]): CalendarDate {
    if (sites.length === 0) return this.calendar.today('UTC');
    return sites.map((site) => this.calendar.today(site.timeZone)).reduce((a, b) => (b > a ? b : a));
  }

  async walk(
    tx: Tx,
    sites: readonly SiteEntity[],
    trialIds: readonly string[],
    assessmentTypes: readonly string[] | undefined,
    visit: (participant: CountedSubject) => void,
  ): Promise<void> {
    if (sites.length === 0) return;
    const siteById = new Map(sites.map((site) => [site.id, site]));
    const today = new Map(sites.map((site) => [site.id, this.calendar.today(site.timeZone)]));
    let after: string | null = null;
    for (;;) {
      const batch = await this.screening.loadCohortInputs(
        tx,
        { siteIds: [...siteById.keys()], after, limit: BATCH },
        (siteId) => today.get(siteId)!,
        trialIds,
        { assessmentTypes },
      );
      for (const input of batch)
        visit({
          participantId: input.participantId,
          subject: input.read(),
          siteCode: siteById.get(input.siteId)!.code,
          today: input.asOf,
        });
      if (batch.length < BATCH) return;
      after = batch[batch.length - 1].participantId;
    }
  }
}
