import { Body, Controller, Get, HttpCode, HttpStatus, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Role } from '@registry/domain';
import { ApiErrors } from '@registry/platform';
import type { Actor } from '../auth/actor';
import { CurrentActor, Roles } from '../auth/decorators';
import { UuidParam } from '../common/uuid-param';
import {
  NotificationDto,
  NotificationPageDto,
  NotificationQueryDto,
  NotificationSettingsDto,
} from './notification.dto';
import { NotificationsService } from './notifications.service';

@ApiTags('notifications')
@ApiBearerAuth()
@ApiErrors(400, 401, 403)
@Controller('notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @ApiOperation({
    operationId: 'listNotifications',
    summary: 'Your notifications (reminders, flags), newest first, with the unread count',
  })
  @Roles(Role.Admin, Role.Coordinator, Role.Monitor)
  @ApiOkResponse({ type: NotificationPageDto })
  async list(
    @CurrentActor() actor: Actor,
    @Query() query: NotificationQueryDto,
  ): Promise<NotificationPageDto> {
    const [items, total, unread] = await this.notifications.list(actor, query);
    return { items, total, unread, page: query.page, pageSize: query.pageSize };
  }

  @Post(':id/read')
  @ApiOperation({ operationId: 'markNotificationRead', summary: 'Mark one of your notifications read' })
  @ApiErrors(404)
  @Roles(Role.Admin, Role.Coordinator, Role.Monitor)
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: NotificationDto })
  markRead(@CurrentActor() actor: Actor, @UuidParam() id: string): Promise<NotificationDto> {
    return this.notifications.markRead(actor, id);
  }

  @Get('settings')
  @ApiOperation({
    operationId: 'getNotificationSettings',
    summary: 'Your notification language and e-mail preference',
  })
  @Roles(Role.Admin, Role.Coordinator, Role.Monitor)
  @ApiOkResponse({ type: NotificationSettingsDto })
  settings(@CurrentActor() actor: Actor): Promise<NotificationSettingsDto> {
    return this.notifications.settings(actor);
  }

  @Put('settings')
  @ApiOperation({
    operationId: 'updateNotificationSettings',
    summary: 'Set your notification language and e-mail preference',
  })
  @Roles(Role.Admin, Role.Coordinator, Role.Monitor)
  @ApiOkResponse({ type: NotificationSettingsDto })
  updateSettings(
    @CurrentActor() actor: Actor,
    @Body() body: NotificationSettingsDto,
  ): Promise<NotificationSettingsDto> {
    return this.notifications.updateSettings(actor, body);
  }
}
