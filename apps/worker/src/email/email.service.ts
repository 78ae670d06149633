import { Inject, Injectable } from '@nestjs/common';
import { Environment } from '@registry/config';
import {
  dateInTimeZone,
  Language,
  localDateTimeIn,
  notificationEmail,
  NotificationKind,
  notificationText,
} from '@registry/domain';
import { EmailRepository, PendingEmail, ReminderRepository, Transactions, Tx } from '@registry/persistence';
import { Clock } from '@registry/platform';
import { UnrecoverableError } from 'bullmq';
import { MailRefused, Mailer } from './mailer';

export interface EmailOutcome {
  status: 'done' | 'skipped';
  detail: Record<string, unknown>;
}

/** A user's daily digest due now. */
export interface DigestDue {
  recipientId: string;
  forDate: string;
}

const NOTHING_WAITING: EmailOutcome = { status: 'skipped', detail: { reason: 'nothing waiting' } };

/**
 * E-mails notifications: one at once, or a user's daily digest. A notification is marked e-mailed only once
 * the server has accepted it; a failure leaves it waiting (a retry with back-off, or the next digest, sends
 * it) and it stays in the inbox whatever happens. A permanent refusal is not retried: it is counted against
 * the address, and past EMAIL_BOUNCE_THRESHOLD in a row the admins are told (once a day).
 */
@Injectable()
export class EmailService {
  constructor(
    private readonly transactions: Transactions,
    private readonly emails: EmailRepository,
    private readonly reminders: ReminderRepository,
    private readonly mailer: Mailer,
    @Inject(Environment) private readonly config: Environment,
    private readonly clock: Clock,
  ) {}

  get enabled(): boolean {
    return this.mailer.enabled;
  }

  async sendNow(notificationId: string): Promise<EmailOutcome> {
    const recipientId = await this.transactions.read((tx) => this.emails.recipientOf(tx, notificationId));
    if (!recipientId) return NOTHING_WAITING;
    return this.deliver(recipientId, async (tx) => {
      const pending = await this.emails.pending(tx, notificationId);
      return pending ? [pending] : [];
    });
  }

  sendDigest(recipientId: string): Promise<EmailOutcome> {
    return this.deliver(recipientId, (tx) => this.emails.pendingFor(tx, recipientId));
  }

  /** The users whose digest is due: they have notifications waiting, and their day has reached EMAIL_DIGEST_LOCAL_TIME. */
  async digestsDue(): Promise<DigestDue[]> {
    if (!this.enabled) return [];
    const now = this.clock.now();
    const recipients = await this.transactions.read((tx) => this.emails.digestRecipients(tx));
    return recipients.flatMap(({ userId, timeZone }) => {
      const local = localDateTimeIn(now, timeZone);
      return local.time >= this.config.EMAIL_DIGEST_LOCAL_TIME
        ? [{ recipientId: userId, forDate: local.date }]
        : [];
    });
  }

  /**
   * E-mails what `waiting` reads, holding the recipient's e-mail lock from before that read until the
   * notifications are marked (sent, or failed for good): a notification sent at once and the recipient's
   * digest, running together, would otherwise both read it as waiting and both send it. The transaction stays
   * open across the SMTP exchange; a transient failure rolls it back, leaving the notifications waiting.
   */
  private async deliver(
    recipientId: string,
    waiting: (tx: Tx) => Promise<PendingEmail[]>,
  ): Promise<EmailOutcome> {
    const outcome = await this.transactions.run(async (tx) => {
      await this.emails.lockRecipient(tx, recipientId);
      const pending = await waiting(tx);
      if (pending.length === 0) return { skipped: true as const };
      const ids = pending.map((p) => p.id);
      // The recipient's language now: that of their newest notification.
      const language = pending[pending.length - 1].language as Language;
      try {
        await this.mailer.send({ to: pending[0].address, ...notificationEmail(language, pending) });
      } catch (error) {
        if (!(error instanceof MailRefused)) throw error; // retried with back-off; the notifications wait
        await this.emails.markFailed(tx, ids);
        const failures = await this.emails.countPermanentFailure(tx, recipientId);
        if (failures >= this.config.EMAIL_BOUNCE_THRESHOLD)
          await this.reportBouncing(tx, recipientId, failures);
        return { refused: `${error.message}; ${failures} permanent failure(s) in a row` };
      }
      await this.emails.markSent(tx, recipientId, ids, this.clock.now());
      return { sent: ids.length };
    });
    if ('skipped' in outcome) return NOTHING_WAITING;
    if ('refused' in outcome) throw new UnrecoverableError(outcome.refused);
    return { status: 'done', detail: { notifications: outcome.sent } };
  }

  /** Tells the admins, in their inbox, that a user's address keeps refusing mail: once a day at most. */
  private async reportBouncing(tx: Tx, userId: string, failures: number): Promise<void> {
    const address = await this.emails.address(tx, userId);
    const facts = { address: address ?? userId, failures };
    const today = dateInTimeZone(this.clock.now(), 'UTC');
    const reminderId = await this.reminders.insertReminder(tx, {
      siteId: null,
      participantId: null,
      kind: NotificationKind.EmailBouncing,
      subjectKey: `email:${userId}`,
      aboutDay: today,
      sentOn: today,
      facts,
    });
    if (reminderId === null) return;
    const admins = await this.emails.admins(tx);
    await this.reminders.insertNotifications(
      tx,
      reminderId,
      admins.map((admin) => {
        const language = (admin.language as Language | null) ?? Language.English;
        return {
          recipientId: admin.userId,
          kind: NotificationKind.EmailBouncing,
          language,
          ...notificationText(language, NotificationKind.EmailBouncing, facts),
          participantId: null,
          siteId: null,
          // Not e-mailed: the notice is about e-mail failing, and admins read it in the inbox.
          email: 'not_sent',
        };
      }),
    );
  }
}
