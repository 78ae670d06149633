import { Inject, Injectable } from '@nestjs/common';
import { Environment } from '@registry/config';
import {
  addDays,
  CalendarDate,
  DailyRescreenKey,
  dailyRescreensDue,
  expiringResults,
  flagIsNews,
  FOLLOWED_STATUSES,
  isMissedOn,
  Language,
  noReminderReason,
  NotificationFacts,
  NotificationKind,
  notificationText,
  ReminderSettings,
  retestHeldBackByDecline,
  siteDefaultLanguage,
  visitRemindersDue,
} from '@registry/domain';
import {
  NewReminder,
  NotificationRecipient,
  ReminderRepository,
  ReminderSite,
  ScreeningRepository,
  Transactions,
  Tx,
} from '@registry/persistence';
import { Clock, SiteCalendar } from '@registry/platform';

/** What one run of a site's reminders for a day did. */
export interface SiteRemindersOutcome extends DailyRescreenKey {
  status: 'done' | 'already_complete';
  /** Reminders this run created (a re-run of the day creates only those an interrupted run had not). */
  created: number;
  /** Visits this run marked missed. */
  markedMissed: number;
  /** The day's totals once complete, counted from what is stored. */
  totals?: { visitsMissed: number; reminders: number };
}

/** A notification created for a user who wants it e-mailed at once. */
export interface ImmediateEmail {
  notificationId: string;
}

/** How many new flags one tick turns into notifications at most (the next tick takes the rest). */
const FLAGS_PER_TICK = 500;

/**
 * The reminder jobs' decisions: which site days are due, and for one site day, which visits are reminded of
 * or marked missed and which results are about to stop counting, each by the rules of libs/domain
 * (`visitRemindersDue`, `isMissedOn`, `noReminderReason`, `expiringResults`). Every reminder is stored under
 * its unique key, with its notifications, in its own transaction: a run killed half-way keeps what it wrote,
 * and the next run of the day writes the rest, nothing twice.
 */
@Injectable()
export class RemindersService {
  constructor(
    private readonly transactions: Transactions,
    private readonly reminders: ReminderRepository,
    private readonly screening: ScreeningRepository,
    @Inject(Environment) private readonly config: Environment,
    private readonly clock: Clock,
    private readonly calendar: SiteCalendar,
  ) {}

  private get settings(): ReminderSettings {
    return {
      opensWithinDays: this.config.REMINDER_OPENS_WITHIN_DAYS,
      closesWithinDays: this.config.REMINDER_CLOSES_WITHIN_DAYS,
      freshnessWithinDays: this.config.REMINDER_FRESHNESS_WITHIN_DAYS,
    };
  }

  /** The site days whose reminders are due now: the site's clock has reached REMINDER_LOCAL_TIME and the day is not complete. */
  async dueSiteDays(): Promise<DailyRescreenKey[]> {
    const now = this.clock.now();
    const todayAt = this.calendar.todayAt(now);
    return this.transactions.read(async (tx) => {
      const sites = await this.reminders.activeSites(tx);
      const today = sites.map((site) => ({ siteId: site.siteId, forDate: todayAt(site.timeZone) }));
      const complete = await this.reminders.completedAmong(tx, today);
      return dailyRescreensDue(sites, this.config.REMINDER_LOCAL_TIME, now, complete);
    });
  }

  /** One site's reminders for one of its days (the day given, as the job was named; not re-read from the clock). */
  async runSiteDay(key: DailyRescreenKey): Promise<SiteRemindersOutcome> {
    const { siteId, forDate: today } = key;
    const begun = await this.transactions.read(async (tx) => {
      const open = await this.reminders.beginDay(tx, key);
      const site = (await this.reminders.activeSites(tx)).find((s) => s.siteId === siteId);
      const recipients = await this.reminders.coordinatorsOf(tx, siteId);
      return { open, site, recipients };
    });
    if (!begun.open || !begun.site)
      return { ...key, status: 'already_complete', created: 0, markedMissed: 0 };
    const { site, recipients } = begun;
    const visits = await this.visitReminders(site, today, recipients);
    const results = await this.resultReminders(site, today, recipients);
    const totals = await this.transactions.run((tx) => this.reminders.completeDay(tx, key));
    return {
      ...key,
      status: 'done',
      created: visits.created + results,
      markedMissed: visits.markedMissed,
      totals,
    };
  }

  private async visitReminders(
    site: ReminderSite,
    today: CalendarDate,
    recipients: NotificationRecipient[],
  ): Promise<{ created: number; markedMissed: number }> {
    const { candidates, profiles } = await this.transactions.read(async (tx) => {
      const candidates = await this.reminders.visitCandidates(
        tx,
        site.siteId,
        addDays(today, this.settings.opensWithinDays),
        FOLLOWED_STATUSES,
      );
      const ids = [...new Set(candidates.map((c) => c.participantId))];
      return { candidates, profiles: await this.reminders.profiles(tx, ids, today) };
    });
    let created = 0;
    let markedMissed = 0;
    for (const candidate of candidates) {
      const profile = profiles.get(candidate.participantId)?.profile;
      // Not followed (withdrawn, deceased, in a trial...): their visits are neither reminded of nor marked
      // (the status may have changed since the candidates were read).
      if (!profile || !FOLLOWED_STATUSES.includes(profile.status)) continue;
      const visit = { ...candidate, completed: false, cancelled: false, missed: false };
      const due = visitRemindersDue(visit, today, this.settings);
      const missed = isMissedOn(visit, today);
      if (due.length === 0 && !missed) continue;
      const mayRemind = noReminderReason(profile, 'follow_up_visit') === null;
      await this.transactions.run(async (tx) => {
        if (missed && (await this.reminders.markMissed(tx, candidate, site.siteId, today))) markedMissed++;
        if (!mayRemind) return;
        for (const { kind, aboutDay } of due) {
          const facts: NotificationFacts = {
            registryId: candidate.participantId,
            visitCode: candidate.code,
            windowStart: candidate.windowStart,
            windowEnd: candidate.windowEnd,
          };
          const reminder = {
            siteId: site.siteId,
            participantId: candidate.participantId,
            kind,
            subjectKey: `visit:${candidate.scheduledVisitId}`,
            aboutDay,
            sentOn: today,
            facts: { ...facts },
          };
          if (await this.store(tx, reminder, facts, recipients)) created++;
        }
      });
    }
    return { created, markedMissed };
  }

  private async resultReminders(
    site: ReminderSite,
    today: CalendarDate,
    recipients: NotificationRecipient[],
  ): Promise<number> {
    const { trials, ready, profiles, titles } = await this.transactions.read(async (tx) => {
      const trials = (await this.screening.recruitingTrials(tx)).filter((t) => t.siteIds.has(site.siteId));
      const ready = await this.reminders.readyDeterminations(
        tx,
        site.siteId,
        trials.map((t) => t.id),
      );
      const ids = [...new Set(ready.map((r) => r.participantId))];
      return {
        trials,
        ready,
        profiles: await this.reminders.profiles(tx, ids, today),
        titles: await this.reminders.trialTitles(
          tx,
          trials.map((t) => t.id),
        ),
      };
    });
    const trialById = new Map(trials.map((t) => [t.id, t]));
    let created = 0;
    for (const { participantId, trialId, declineHeldUntil } of ready) {
      const profile = profiles.get(participantId)?.profile;
      const trial = trialById.get(trialId);
      if (!profile || !trial || retestHeldBackByDecline(declineHeldUntil, today)) continue;
      // The same criteria version screening judges with, and the engine's own windows.
      const expiring = expiringResults(
        trial.criteria.criteria,
        profile,
        today,
        this.settings.freshnessWithinDays,
      );
      for (const result of expiring) {
        if (noReminderReason(profile, 'retest_for_trial', result.test) !== null) continue;
        const facts: NotificationFacts = {
          registryId: participantId,
          test: result.test,
          trialTitle: titles.get(trialId),
          expiresOn: result.expiresOn,
        };
        const reminder = {
          siteId: site.siteId,
          participantId,
          kind: NotificationKind.ResultExpiring,
          subjectKey: `result:${participantId}:${trialId}:${result.test}:${result.resultDate}`,
          aboutDay: result.expiresOn,
          sentOn: today,
          facts: { ...facts, trialId, resultDate: result.resultDate, readiness: result.readiness },
        };
        if (await this.transactions.run((tx) => this.store(tx, reminder, facts, recipients))) created++;
      }
    }
    return created;
  }

  /**
   * New open flags become notifications for the coordinators of the participant's site (those who may be
   * approached: the screening policy raised the flag; the reminder rules are asked again here). Returns the
   * notifications to e-mail at once (for users who asked for eligibility flags at once).
   */
  async notifyNewFlags(): Promise<{ notified: number; immediate: ImmediateEmail[] }> {
    const flags = await this.transactions.read((tx) => this.reminders.unnotifiedFlags(tx, FLAGS_PER_TICK));
    const immediate: ImmediateEmail[] = [];
    let notified = 0;
    for (const flag of flags) {
      await this.transactions.run(async (tx) => {
        const profile = (await this.reminders.profiles(tx, [flag.participantId], flag.raisedOn)).get(
          flag.participantId,
        )?.profile;
        const today = this.calendar.today(flag.timeZone);
        const recipients =
          profile &&
          noReminderReason(profile, 'trial_flag') === null &&
          flagIsNews(flag.raisedOn, today, this.settings)
            ? await this.reminders.coordinatorsOf(tx, flag.siteId)
            : [];
        const kind =
          flag.kind === 'eligible' ? NotificationKind.EligibleFlag : NotificationKind.OneTestAwayFlag;
        const facts: NotificationFacts = {
          registryId: flag.participantId,
          trialTitle: flag.trialTitle,
          test: flag.test ?? undefined,
        };
        // Stored even with no one to tell, so that the flag is not looked at again on every tick.
        const created = await this.store(
          tx,
          {
            siteId: flag.siteId,
            participantId: flag.participantId,
            kind,
            subjectKey: `flag:${flag.flagId}`,
            aboutDay: flag.raisedOn,
            sentOn: flag.raisedOn,
            facts: { ...facts, flagId: flag.flagId, trialId: flag.trialId },
          },
          facts,
          recipients,
        );
        if (!created) return;
        notified += created.length;
        for (const notification of created) {
          const recipient = recipients.find((r) => r.userId === notification.recipientId);
          if (this.emailEnabled && recipient?.emailPreference === 'immediate_flags')
            immediate.push({ notificationId: notification.id });
        }
      });
    }
    return { notified, immediate };
  }

  private get emailEnabled(): boolean {
    return this.config.SMTP_URL !== undefined;
  }

  /**
   * Stores a reminder and its notifications (each in the recipient's language); null when the reminder was
   * stored already (by an earlier run, a retry, or another worker at the same moment).
   */
  private async store(
    tx: Tx,
    reminder: NewReminder,
    facts: NotificationFacts,
    recipients: readonly NotificationRecipient[],
  ): Promise<{ id: string; recipientId: string }[] | null> {
    const reminderId = await this.reminders.insertReminder(tx, reminder);
    if (reminderId === null) return null;
    return this.reminders.insertNotifications(
      tx,
      reminderId,
      recipients.map((recipient) => {
        const language =
          (recipient.language as Language | null) ?? siteDefaultLanguage(recipient.siteCountry);
        return {
          recipientId: recipient.userId,
          kind: reminder.kind,
          language,
          ...notificationText(language, reminder.kind, facts),
          participantId: reminder.participantId,
          siteId: reminder.siteId,
          email: this.emailEnabled ? 'pending' : 'not_sent',
        };
      }),
    );
  }
}
