import { Injectable } from '@nestjs/common';
import type { Tx } from './transactions';

/** A notification as its recipient sees it. */
export interface NotificationRecord {
  id: string;
  kind: string;
  language: string;
  subject: string;
  body: string;
  participantId: string | null;
  siteId: string | null;
  createdAt: Date;
  readAt: Date | null;
}

export interface NotificationQuery {
  recipientId: string;
  /** Only notifications of these sites (and those of no site); null: every site. */
  siteIds: string[] | null;
  unreadOnly: boolean;
  limit: number;
  offset: number;
}

export interface NotificationPage {
  notifications: NotificationRecord[];
  total: number;
  /** Unread notifications of the recipient (within the same sites), over every page. */
  unread: number;
}

export interface NotificationSettings {
  language: string | null;
  emailPreference: string;
}

interface NotificationRow {
  id: string;
  kind: string;
  language: string;
  subject: string;
  body: string;
  participant_id: string | null;
  site_id: string | null;
  created_at: Date;
  read_at: Date | null;
}

const toRecord = (row: NotificationRow): NotificationRecord => ({
  id: row.id,
  kind: row.kind,
  language: row.language,
  subject: row.subject,
  body: row.body,
  participantId: row.participant_id,
  siteId: row.site_id,
  createdAt: row.created_at,
  readAt: row.read_at,
});

const COLUMNS = `n.id, n.kind, n.language, n.subject, n.body, n.participant_id, n.site_id, n.created_at, n.read_at`;

/** The API's side of notifications: a user's inbox, read marks, and the user's notification settings. */
@Injectable()
export class NotificationRepository {
  async list(tx: Tx, query: NotificationQuery): Promise<NotificationPage> {
    const params = [query.recipientId, query.siteIds];
    const visible = `n.recipient_id = $1 AND ($2::uuid[] IS NULL OR n.site_id IS NULL OR n.site_id = ANY($2::uuid[]))`;
    const rows = await tx.query<NotificationRow[]>(
      `SELECT ${COLUMNS} FROM notification n
        WHERE ${visible} AND (NOT $3 OR n.read_at IS NULL)
        ORDER BY n.created_at DESC, n.id DESC LIMIT $4 OFFSET $5`,
      [...params, query.unreadOnly, query.limit, query.offset],
    );
    const [counts] = await tx.query<{ total: number; unread: number }[]>(
      `SELECT count(*) FILTER (WHERE NOT $3 OR n.read_at IS NULL)::int AS total,
              count(*) FILTER (WHERE n.read_at IS NULL)::int AS unread
         FROM notification n WHERE ${visible}`,
      [...params, query.unreadOnly],
    );
    return { notifications: rows.map(toRecord), total: counts.total, unread: counts.unread };
  }

  /**
   * Marks the recipient's notification read (kept as first read when read again); null when it is not
   * theirs or not of their sites.
   */
  async markRead(
    tx: Tx,
    id: string,
    recipientId: string,
    siteIds: string[] | null,
    at: Date,
  ): Promise<NotificationRecord | null> {
    const [row] = await tx.query<NotificationRow[]>(
      `WITH marked AS (
         UPDATE notification n SET read_at = coalesce(n.read_at, $4)
          WHERE n.id = $1 AND n.recipient_id = $2
            AND ($3::uuid[] IS NULL OR n.site_id IS NULL OR n.site_id = ANY($3::uuid[]))
          RETURNING ${COLUMNS})
       SELECT * FROM marked`,
      [id, recipientId, siteIds, at],
    );
    return row ? toRecord(row) : null;
  }

  async settings(tx: Tx, userId: string): Promise<NotificationSettings | null> {
    const [row] = await tx.query<{ language: string | null; email_preference: string }[]>(
      `SELECT language, email_preference FROM app_user WHERE id = $1`,
      [userId],
    );
    return row ? { language: row.language, emailPreference: row.email_preference } : null;
  }

  async updateSettings(tx: Tx, userId: string, settings: NotificationSettings): Promise<void> {
    await tx.query(`UPDATE app_user SET language = $2, email_preference = $3 WHERE id = $1`, [
      userId,
      settings.language,
      settings.emailPreference,
    ]);
  }
}
