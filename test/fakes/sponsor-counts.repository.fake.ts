import type { CalendarDate, VisitOnCalendar } from '@registry/domain';
import type { EligibleFlagDay, SponsorCountsRepository, Tx } from '@registry/persistence';
import type { Public } from './public';

/** An eligible flag as the fake keeps it: the trial it was raised for, and the day at the participant's site. */
export interface FakeEligibleFlag extends EligibleFlagDay {
  trialId: string;
}

/** A visit on the calendar as the fake keeps it, with whose it is. */
export interface FakePlannedVisit extends VisitOnCalendar {
  participantId: string;
}

/**
 * The eligible flags and planned visits a pool's trend and projection read, filtered by trial and day as the
 * real queries are. Keeps each read's `Tx`, so a test can tell the reads shared the counting transaction.
 */
export class FakeSponsorCountsRepository implements Public<SponsorCountsRepository> {
  readonly flags: FakeEligibleFlag[] = [];
  readonly visits: FakePlannedVisit[] = [];
  readonly flagReads: { tx: Tx; trialId: string; since: CalendarDate }[] = [];
  readonly visitReads: {
    tx: Tx;
    participantIds: readonly string[];
    from: CalendarDate;
    through: CalendarDate;
  }[] = [];

  /** Consent withdrawals recorded, as the feasibility snapshot's version reads them. */
  withdrawals = 0;

  consentWithdrawals(_tx: Tx): Promise<number> {
    return Promise.resolve(this.withdrawals);
  }

  /** The last data change and the last determination change screening stored, as the snapshot reads them. */
  dataChanges = 0;
  screeningChanges = 0;

  changeMarks(_tx: Tx): Promise<[number, number]> {
    return Promise.resolve([this.dataChanges, this.screeningChanges]);
  }

  eligibleFlagDays(tx: Tx, trialId: string, since: CalendarDate): Promise<EligibleFlagDay[]> {
    this.flagReads.push({ tx, trialId, since });
    return Promise.resolve(
      this.flags
        .filter((flag) => flag.trialId === trialId && flag.raisedOn >= since)
        .map(({ participantId, raisedOn }) => ({ participantId, raisedOn })),
    );
  }

  plannedVisits(
    tx: Tx,
    participantIds: readonly string[],
    from: CalendarDate,
    through: CalendarDate,
  ): Promise<Map<string, VisitOnCalendar[]>> {
    this.visitReads.push({ tx, participantIds: [...participantIds], from, through });
    const byParticipant = new Map<string, VisitOnCalendar[]>();
    for (const { participantId, targetDate, assessments } of this.visits) {
      if (!participantIds.includes(participantId) || targetDate < from || targetDate > through) continue;
      byParticipant.set(participantId, [
        ...(byParticipant.get(participantId) ?? []),
        { targetDate, assessments },
      ]);
    }
    return Promise.resolve(byParticipant);
  }
}
