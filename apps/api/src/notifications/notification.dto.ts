import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Language, LANGUAGES, NOTIFICATION_KINDS } from '@registry/domain';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, ValidateIf } from 'class-validator';
import { PageQueryDto } from '../common/paging';

export const EMAIL_PREFERENCES = ['daily_digest', 'immediate_flags'] as const;
export type EmailPreference = (typeof EMAIL_PREFERENCES)[number];

export class NotificationQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Only unread notifications', default: false })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'unread must be true or false' })
  unread: boolean = false;
}

export class NotificationDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ enum: NOTIFICATION_KINDS })
  kind: string;

  @ApiProperty({ enum: LANGUAGES, description: 'The language the text was written in' })
  language: string;

  @ApiProperty()
  subject: string;

  @ApiProperty()
  body: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The participant it is about, by registry id (null: about no participant)',
  })
  participantId: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  siteId: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  readAt: string | null;
}

export class NotificationPageDto {
  @ApiProperty({ type: [NotificationDto] })
  items: NotificationDto[];

  @ApiProperty()
  page: number;

  @ApiProperty()
  pageSize: number;

  @ApiProperty({ description: 'Notifications matching the query, over every page' })
  total: number;

  @ApiProperty({ description: 'Unread notifications in the inbox, over every page' })
  unread: number;
}

export class NotificationSettingsDto {
  @ApiProperty({
    type: String,
    enum: LANGUAGES,
    nullable: true,
    description:
      "The language of notifications and e-mails; null: the site's (Japanese in Japan, English elsewhere)",
  })
  @ValidateIf((_object, value) => value !== null)
  @IsIn(LANGUAGES, { message: `language must be one of ${LANGUAGES.join(', ')}, or null` })
  language: Language | null;

  @ApiProperty({
    enum: EMAIL_PREFERENCES,
    description: 'daily_digest: one e-mail a day; immediate_flags: eligibility flags at once too',
  })
  @IsIn(EMAIL_PREFERENCES, { message: `emailPreference must be one of ${EMAIL_PREFERENCES.join(', ')}` })
  emailPreference: EmailPreference;
}
