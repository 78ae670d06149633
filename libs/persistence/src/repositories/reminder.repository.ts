import { Injectable } from '@nestjs/common';
import type { CalendarDate, DailyRescreenKey, NotificationKind } from '@registry/domain';
import { recordAudit, SYSTEM_ACTOR } from '../audit/audit-writer';
import { loadProfiles, LoadedProfile } from '../screening/load-profiles';
import type { Tx } from './transactions';

/** A site whose reminders run daily, with what its users' default language is decided by. */
export interface ReminderSite {
  siteId: string;
  timeZone: string;
  country: string;
}

/** A scheduled visit not done, not cancelled and not marked missed, whose window opens soon or has passed. */
export interface VisitCandidate {
  scheduledVisitId: string;
  participantId: string;
  code: string;
  windowStart: CalendarDate;
  windowEnd: CalendarDate;
}

/** A participant's stored determination that says they are eligible or one test away, for a trial. */
export interface ReadyDetermination {
  participantId: string;
  trialId: string;
  /** The latest hold of the participant's declined referrals to the trial (`flags_suppressed_until`), or null. */
  declineHeldUntil: string | null;
}

/** An open flag no coordinator has been notified of yet. */
export interface UnnotifiedFlag {
  flagId: string;
  participantId: string;
  siteId: string;
  timeZone: string;
  trialId: string;
  trialTitle: string;
  kind: 'eligible' | 'one_test_away';
  test: string | null;
  raisedOn: CalendarDate;
}

/** A user a notification goes to, with what decides its language and e-mail. */
export interface NotificationRecipient {
  userId: string;
  /** Chosen by the user; null: the site's default. */
  language: string | null;
  emailPreference: string;
  siteCountry: string;
}

export interface NewReminder {
  siteId: string | null;
  participantId: string | null;
  kind: NotificationKind;
  subjectKey: string;
  aboutDay: CalendarDate;
  sentOn: CalendarDate;
  facts: Record<string, unknown>;
}

export interface NewNotification {
  recipientId: string;
  kind: NotificationKind;
  language: string;
  subject: string;
  body: string;
  participantId: string | null;
  siteId: string | null;
  /** 'pending' (to be e-mailed) or 'not_sent' (e-mail off). */
  email: 'pending' | 'not_sent';
}

/**
 * Reminders and their notifications. Every insert is keyed (reminder: subject, kind, day; notification:
 * reminder, recipient) and does nothing on conflict: a second run of a day, a retry or a second worker
 * writes nothing twice.
 */
@Injectable()
export class ReminderRepository {
  async activeSites(tx: Tx): Promise<ReminderSite[]> {
    const rows = await tx.query<{ id: string; time_zone: string; country: string }[]>(
      `SELECT id, time_zone, country FROM site WHERE active ORDER BY id`,
    );
    return rows.map((row) => ({ siteId: row.id, timeZone: row.time_zone, country: row.country }));
  }

  /** Which of these site days have completed their reminders. */
  completedAmong(tx: Tx, keys: readonly DailyRescreenKey[]): Promise<DailyRescreenKey[]> {
    return tx.query<DailyRescreenKey[]>(
      `SELECT d.site_id AS "siteId", d.for_date::text AS "forDate"
         FROM site_reminder_day d JOIN unnest($1::uuid[], $2::date[]) AS s(site_id, today)
           ON d.site_id = s.site_id AND d.for_date = s.today
        WHERE d.completed_at IS NOT NULL`,
      [keys.map((key) => key.siteId), keys.map((key) => key.forDate)],
    );
  }

  /** The site day's row, created if new; false when the day is already complete. */
  async beginDay(tx: Tx, { siteId, forDate }: DailyRescreenKey): Promise<boolean> {
    await tx.query(
      `INSERT INTO site_reminder_day (site_id, for_date) VALUES ($1, $2) ON CONFLICT (site_id, for_date) DO NOTHING`,
      [siteId, forDate],
    );
    const [row] = await tx.query<{ completed: boolean }[]>(
      `SELECT completed_at IS NOT NULL AS completed FROM site_reminder_day WHERE site_id = $1 AND for_date = $2`,
      [siteId, forDate],
    );
    return !row.completed;
  }

  /**
   * Marks the site day complete, counting from what is stored (so a day run twice, or killed and run again,
   * counts each missed visit and reminder once): the visits of the site marked missed that day, and the
   * reminders created that day.
   */
  async completeDay(
    tx: Tx,
    { siteId, forDate }: DailyRescreenKey,
  ): Promise<{ visitsMissed: number; reminders: number }> {
    // A data-modifying statement inside WITH: TypeORM returns a bare UPDATE's RETURNING rows with its count.
    const [row] = await tx.query<{ visits_missed: number; reminders: number }[]>(
      `WITH done AS (
         UPDATE site_reminder_day d SET completed_at = now(),
                visits_missed = (SELECT count(*)::int FROM scheduled_visit sv JOIN participant p ON p.id = sv.participant_id
                                  WHERE p.site_id = d.site_id AND sv.missed_on = d.for_date),
                reminders = (SELECT count(*)::int FROM reminder r WHERE r.site_id = d.site_id AND r.sent_on = d.for_date)
          WHERE d.site_id = $1 AND d.for_date = $2
          RETURNING d.visits_missed, d.reminders)
       SELECT visits_missed, reminders FROM done`,
      [siteId, forDate],
    );
    return { visitsMissed: row.visits_missed, reminders: row.reminders };
  }

  /**
   * The site's scheduled visits with nothing recorded, not cancelled and not marked missed, whose window
   * opens by `opensBy` (the rest are too far ahead for any reminder), of participants in one of `statuses`
   * (the domain's followed statuses: the visits of anyone else are neither reminded of nor marked).
   */
  visitCandidates(
    tx: Tx,
    siteId: string,
    opensBy: CalendarDate,
    statuses: readonly string[],
  ): Promise<VisitCandidate[]> {
    return tx.query<VisitCandidate[]>(
      `SELECT sv.id AS "scheduledVisitId", sv.participant_id AS "participantId", sv.code,
              sv.window_start::text AS "windowStart", sv.window_end::text AS "windowEnd"
         FROM scheduled_visit sv JOIN participant p ON p.id = sv.participant_id
        WHERE p.site_id = $1 AND p.status = ANY($3::text[])
          AND sv.status = 'scheduled' AND sv.cancelled_at IS NULL AND sv.window_start <= $2
          AND NOT EXISTS (SELECT 1 FROM visit v WHERE v.scheduled_visit_id = sv.id)
        ORDER BY sv.participant_id, sv.window_start`,
      [siteId, opensBy, statuses],
    );
  }

  /**
   * Marks a visit missed on `today` and audits it; false when it was not 'scheduled' any more or a visit has
   * been recorded for it meanwhile (the row lock makes a concurrent run wait and then find it marked).
   */
  async markMissed(
    tx: Tx,
    visit: { scheduledVisitId: string; windowEnd: CalendarDate },
    siteId: string,
    today: CalendarDate,
  ): Promise<boolean> {
    const rows = await tx.query<{ id: string }[]>(
      `WITH marked AS (
         UPDATE scheduled_visit sv SET status = 'missed', missed_on = $2
          WHERE sv.id = $1 AND sv.status = 'scheduled' AND sv.cancelled_at IS NULL
            AND NOT EXISTS (SELECT 1 FROM visit v WHERE v.scheduled_visit_id = sv.id)
          RETURNING sv.id)
       SELECT id FROM marked`,
      [visit.scheduledVisitId, today],
    );
    if (rows.length === 0) return false;
    await recordAudit(tx, {
      action: 'scheduled_visit.missed',
      entityType: 'scheduled_visit',
      entityId: visit.scheduledVisitId,
      siteId,
      changes: [{ field: 'status', old: 'scheduled', new: 'missed' }],
      reason: `window closed on ${visit.windowEnd} without a visit`,
      actor: SYSTEM_ACTOR,
    });
    return true;
  }

  /** The participants' profiles on `asOf` (status and consent scopes by the domain's rules, results). */
  profiles(tx: Tx, participantIds: string[], asOf: CalendarDate): Promise<Map<string, LoadedProfile>> {
    return loadProfiles(tx, participantIds, asOf);
  }

  /** The site's stored determinations that say eligible or one test away, for these trials. */
  readyDeterminations(tx: Tx, siteId: string, trialIds: readonly string[]): Promise<ReadyDetermination[]> {
    return tx.query<ReadyDetermination[]>(
      `SELECT d.participant_id AS "participantId", d.trial_id AS "trialId",
              (SELECT max(c.flags_suppressed_until)::text FROM referral_contact c
                WHERE c.participant_id = d.participant_id AND c.trial_id = d.trial_id AND c.state = 'declined')
                AS "declineHeldUntil"
         FROM eligibility_determination d JOIN participant p ON p.id = d.participant_id
        WHERE p.site_id = $1 AND d.trial_id = ANY($2::uuid[])
          AND (d.result = 'eligible' OR d.one_test_away IS NOT NULL)
        ORDER BY d.participant_id, d.trial_id`,
      [siteId, trialIds],
    );
  }

  async trialTitles(tx: Tx, trialIds: readonly string[]): Promise<Map<string, string>> {
    const rows = await tx.query<{ id: string; title: string }[]>(
      `SELECT id, title FROM trial WHERE id = ANY($1::uuid[])`,
      [trialIds],
    );
    return new Map(rows.map((row) => [row.id, row.title]));
  }

  /** Open, unacknowledged flags of active sites with no notification yet, oldest first. */
  unnotifiedFlags(tx: Tx, limit: number): Promise<UnnotifiedFlag[]> {
    return tx.query<UnnotifiedFlag[]>(
      `SELECT f.id AS "flagId", f.participant_id AS "participantId", p.site_id AS "siteId", s.time_zone AS "timeZone",
              f.trial_id AS "trialId", t.title AS "trialTitle", f.kind, f.test,
              (f.raised_at AT TIME ZONE s.time_zone)::date::text AS "raisedOn"
         FROM eligibility_flag f
         JOIN participant p ON p.id = f.participant_id
         JOIN site s ON s.id = p.site_id
         JOIN trial t ON t.id = f.trial_id
        WHERE f.closed_at IS NULL AND f.acknowledged_at IS NULL AND s.active
          AND NOT EXISTS (SELECT 1 FROM reminder r WHERE r.subject_key = 'flag:' || f.id::text)
        ORDER BY f.raised_at, f.id
        LIMIT $1`,
      [limit],
    );
  }

  /** The active coordinators of a site: who its reminders go to. */
  async coordinatorsOf(tx: Tx, siteId: string): Promise<NotificationRecipient[]> {
    const rows = await tx.query<
      { id: string; language: string | null; email_preference: string; country: string }[]
    >(
      `SELECT u.id, u.language, u.email_preference, s.country
         FROM app_user u JOIN user_site us ON us.user_id = u.id JOIN site s ON s.id = us.site_id
        WHERE us.site_id = $1 AND u.role = 'coordinator' AND u.active
        ORDER BY u.id`,
      [siteId],
    );
    return rows.map((row) => ({
      userId: row.id,
      language: row.language,
      emailPreference: row.email_preference,
      siteCountry: row.country,
    }));
  }

  /** Stores a reminder; its id, or null when the same reminder (subject, kind, day) exists already. */
  async insertReminder(tx: Tx, reminder: NewReminder): Promise<string | null> {
    const [row] = await tx.query<{ id: string }[]>(
      `INSERT INTO reminder (site_id, participant_id, kind, subject_key, about_day, sent_on, facts)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
       ON CONFLICT (subject_key, kind, about_day) DO NOTHING RETURNING id`,
      [
        reminder.siteId,
        reminder.participantId,
        reminder.kind,
        reminder.subjectKey,
        reminder.aboutDay,
        reminder.sentOn,
        JSON.stringify(reminder.facts),
      ],
    );
    return row?.id ?? null;
  }

  /** Stores a reminder's notifications; the ids of those created. */
  async insertNotifications(
    tx: Tx,
    reminderId: string,
    notifications: readonly NewNotification[],
  ): Promise<{ id: string; recipientId: string }[]> {
    if (notifications.length === 0) return [];
    return tx.query<{ id: string; recipientId: string }[]>(
      `INSERT INTO notification (reminder_id, recipient_id, kind, language, subject, body, participant_id, site_id, email)
       SELECT $1, n.recipient_id, n.kind, n.language, n.subject, n.body, n.participant_id, n.site_id, n.email
         FROM jsonb_to_recordset($2::jsonb) AS n(recipient_id uuid, kind text, language text, subject text, body text,
                                                   participant_id text, site_id uuid, email text)
       ON CONFLICT (reminder_id, recipient_id) DO NOTHING
       RETURNING id, recipient_id AS "recipientId"`,
      [
        reminderId,
        JSON.stringify(
          notifications.map((n) => ({
            recipient_id: n.recipientId,
            kind: n.kind,
            language: n.language,
            subject: n.subject,
            body: n.body,
            participant_id: n.participantId,
            site_id: n.siteId,
            email: n.email,
          })),
        ),
      ],
    );
  }
}
