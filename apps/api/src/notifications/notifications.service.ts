import { Injectable } from '@nestjs/common';
import {
  AuditRepository,
  NotificationRecord,
  NotificationRepository,
  Transactions,
} from '@registry/persistence';
import { Clock, notFound } from '@registry/platform';
import { siteScopeOf } from '../auth/access-policy';
import type { Actor } from '../auth/actor';
import type { NotificationDto, NotificationQueryDto, NotificationSettingsDto } from './notification.dto';

const toDto = (n: NotificationRecord): NotificationDto => ({
  id: n.id,
  kind: n.kind,
  language: n.language,
  subject: n.subject,
  body: n.body,
  participantId: n.participantId,
  siteId: n.siteId,
  createdAt: n.createdAt.toISOString(),
  readAt: n.readAt?.toISOString() ?? null,
});

/** The signed-in user's own notifications; a coordinator's only of the sites they work at now. */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly transactions: Transactions,
    private readonly notifications: NotificationRepository,
    private readonly audit: AuditRepository,
    private readonly clock: Clock,
  ) {}

  private siteIds(actor: Actor): string[] | null {
    const scope = siteScopeOf(actor);
    return scope.all ? null : scope.siteIds;
  }

  /** Newest first, with the unread count. */
  async list(actor: Actor, query: NotificationQueryDto): Promise<[NotificationDto[], number, number]> {
    const page = await this.transactions.read((tx) =>
      this.notifications.list(tx, {
        recipientId: actor.userId,
        siteIds: this.siteIds(actor),
        unreadOnly: query.unread,
        limit: query.pageSize,
        offset: (query.page - 1) * query.pageSize,
      }),
    );
    return [page.notifications.map(toDto), page.total, page.unread];
  }

  /** Marks one of the caller's notifications read; 404 for anyone else's. Reading it again changes nothing. */
  async markRead(actor: Actor, id: string): Promise<NotificationDto> {
    const marked = await this.transactions.run((tx) =>
      this.notifications.markRead(tx, id, actor.userId, this.siteIds(actor), this.clock.now()),
    );
    if (!marked) throw notFound('Notification');
    return toDto(marked);
  }

  async settings(actor: Actor): Promise<NotificationSettingsDto> {
    const settings = await this.transactions.read((tx) => this.notifications.settings(tx, actor.userId));
    if (!settings) throw notFound('User');
    return settings as NotificationSettingsDto;
  }

  /** Changes the caller's language and e-mail preference, audited. */
  async updateSettings(actor: Actor, wanted: NotificationSettingsDto): Promise<NotificationSettingsDto> {
    return this.transactions.run(async (tx) => {
      const before = await this.notifications.settings(tx, actor.userId);
      if (!before) throw notFound('User');
      await this.notifications.updateSettings(tx, actor.userId, wanted);
      const changes = [
        { field: 'language', old: before.language, new: wanted.language },
        { field: 'emailPreference', old: before.emailPreference, new: wanted.emailPreference },
      ].filter((change) => change.old !== change.new);
      if (changes.length > 0)
        await this.audit.record(tx, {
          action: 'user.notification_settings_changed',
          entityType: 'app_user',
          entityId: actor.userId,
          changes,
        });
      return { language: wanted.language, emailPreference: wanted.emailPreference };
    });
  }
}
