import { Injectable } from '@nestjs/common';
import type { Tx } from './transactions';

/** A notification waiting to be e-mailed, with its recipient's address. */
export interface PendingEmail {
  id: string;
  recipientId: string;
  address: string;
  language: string;
  subject: string;
  body: string;
}

/** A user with notifications waiting to be e-mailed, and the time zone their digest follows. */
export interface DigestRecipient {
  userId: string;
  /** The time zone of the user's first site; UTC for users of no site (admins). */
  timeZone: string;
}

/** A user a notice goes to, with the country of their first site (null: none) for the default language. */
export interface NoticeRecipient {
  userId: string;
  language: string | null;
  siteCountry: string | null;
}

const PENDING_COLUMNS = `n.id, n.recipient_id AS "recipientId", u.email AS address, n.language, n.subject, n.body`;

/**
 * As the inbox shows them: a notification about a site's participant only while the recipient still works
 * at that site (a coordinator moved to another site is not e-mailed the old one's registry ids).
 */
const STILL_AT_SITE = `(n.site_id IS NULL OR u.role NOT IN ('coordinator', 'monitor')
  OR EXISTS (SELECT 1 FROM user_site us WHERE us.user_id = u.id AND us.site_id = n.site_id))`;

/** E-mail of notifications: what is waiting, what was sent, and addresses that keep refusing mail. */
@Injectable()
export class EmailRepository {
  /**
   * Holds the user's e-mail until the transaction ends: deliveries to one recipient (a notification sent at
   * once, their digest) take turns, and each reads what is still waiting only once it holds this, so that no
   * notification is e-mailed twice.
   */
  async lockRecipient(tx: Tx, recipientId: string): Promise<void> {
    // The transaction waits on the SMTP server meanwhile (at most about a minute with the mailer's timeouts):
    // a deployment's idle_in_transaction_session_timeout (60 s in docs/OPERATIONS.md) must not end it
    // between the server's acceptance and the notifications being marked sent.
    await tx.query(`SET LOCAL idle_in_transaction_session_timeout = '5min'`);
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('email:' || $1, 0))`, [recipientId]);
  }

  /** The recipient of a notification, whatever its state (null: no such notification). */
  async recipientOf(tx: Tx, notificationId: string): Promise<string | null> {
    const [row] = await tx.query<{ recipient_id: string }[]>(
      `SELECT recipient_id FROM notification WHERE id = $1`,
      [notificationId],
    );
    return row?.recipient_id ?? null;
  }

  /** The notification if it is still waiting to be e-mailed (its recipient active). */
  async pending(tx: Tx, notificationId: string): Promise<PendingEmail | null> {
    const [row] = await tx.query<PendingEmail[]>(
      `SELECT ${PENDING_COLUMNS} FROM notification n JOIN app_user u ON u.id = n.recipient_id
        WHERE n.id = $1 AND n.email = 'pending' AND u.active AND ${STILL_AT_SITE}`,
      [notificationId],
    );
    return row ?? null;
  }

  /** Everything waiting to be e-mailed to the user, oldest first. */
  pendingFor(tx: Tx, recipientId: string): Promise<PendingEmail[]> {
    return tx.query<PendingEmail[]>(
      `SELECT ${PENDING_COLUMNS} FROM notification n JOIN app_user u ON u.id = n.recipient_id
        WHERE n.recipient_id = $1 AND n.email = 'pending' AND u.active AND ${STILL_AT_SITE}
        ORDER BY n.created_at, n.id`,
      [recipientId],
    );
  }

  /** The active users with notifications waiting to be e-mailed. */
  digestRecipients(tx: Tx): Promise<DigestRecipient[]> {
    return tx.query<DigestRecipient[]>(
      `SELECT u.id AS "userId",
              coalesce((SELECT s.time_zone FROM user_site us JOIN site s ON s.id = us.site_id
                         WHERE us.user_id = u.id ORDER BY s.code LIMIT 1), 'UTC') AS "timeZone"
         FROM app_user u
        WHERE u.active AND EXISTS (SELECT 1 FROM notification n WHERE n.recipient_id = u.id AND n.email = 'pending')
        ORDER BY u.id`,
    );
  }

  /** Marks the notifications e-mailed, and the recipient's address as working again. */
  async markSent(tx: Tx, recipientId: string, ids: readonly string[], at: Date): Promise<void> {
    await tx.query(
      `UPDATE notification SET email = 'sent', emailed_at = $2 WHERE id = ANY($1::uuid[]) AND email = 'pending'`,
      [ids, at],
    );
    await tx.query(`UPDATE app_user SET email_permanent_failures = 0 WHERE id = $1`, [recipientId]);
  }

  /** Gives up e-mailing the notifications (they stay in the inbox). */
  async markFailed(tx: Tx, ids: readonly string[]): Promise<void> {
    await tx.query(
      `UPDATE notification SET email = 'failed' WHERE id = ANY($1::uuid[]) AND email = 'pending'`,
      [ids],
    );
  }

  /** Counts one more permanent failure of the user's address; the count since the last delivered e-mail. */
  async countPermanentFailure(tx: Tx, userId: string): Promise<number> {
    const [row] = await tx.query<{ failures: number }[]>(
      `WITH counted AS (
         UPDATE app_user SET email_permanent_failures = email_permanent_failures + 1 WHERE id = $1
         RETURNING email_permanent_failures AS failures)
       SELECT failures FROM counted`,
      [userId],
    );
    return row.failures;
  }

  /** The active admins: who is told of an address that keeps bouncing. */
  admins(tx: Tx): Promise<NoticeRecipient[]> {
    return tx.query<NoticeRecipient[]>(
      `SELECT u.id AS "userId", u.language, NULL AS "siteCountry" FROM app_user u
        WHERE u.role = 'admin' AND u.active ORDER BY u.id`,
    );
  }

  /** The user's address (for the admins' notice; it is a user's, never a participant's). */
  async address(tx: Tx, userId: string): Promise<string | null> {
    const [row] = await tx.query<{ email: string }[]>(`SELECT email FROM app_user WHERE id = $1`, [userId]);
    return row?.email ?? null;
  }
}
