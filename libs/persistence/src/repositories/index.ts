import { AuditRepository } from './audit.repository';
import { ConsentRepository } from './consent.repository';
import { ParticipantRepository } from './participant.repository';
import { ScheduleRepository } from './schedule.repository';
import { ScreeningRunRepository } from './screening-run.repository';
import { SiteRepository } from './site.repository';
import { UserRepository } from './user.repository';
import { SessionRepository } from './session.repository';
import { OutboxRepository } from './outbox.repository';
import { DailyRescreenRepository } from './daily-rescreen.repository';
import { AuditCheckpointRepository } from './audit-checkpoint.repository';
import { AuditTrailRepository } from './audit-trail.repository';
import { IdentityRepository } from './identity.repository';
import { SponsorOrganisationRepository } from './sponsor-organisation.repository';
import { TrialRepository } from './trial.repository';
import { FlagRepository } from './flag.repository';
import { VisitRepository } from './visit.repository';
import { ProtocolRepository } from './protocol.repository';
import { ScreeningRepository } from './screening.repository';
import { DeterminationRepository } from './determination.repository';
import { SponsorCountsRepository } from './sponsor-counts.repository';
import { WebhookRepository } from './webhook.repository';
import { WebhookReportRepository } from './webhook-report.repository';
import { ReferralRepository } from './referral.repository';
import { ReminderRepository } from './reminder.repository';
import { NotificationRepository } from './notification.repository';
import { EmailRepository } from './email.repository';

export * from './transactions';
export * from './audit.repository';
export * from './consent.repository';
export * from './participant.repository';
export * from './schedule.repository';
export * from './screening-run.repository';
export * from './site.repository';
export * from './user.repository';
export * from './session.repository';
export * from './outbox.repository';
export * from './daily-rescreen.repository';
export * from './audit-checkpoint.repository';
export * from './audit-trail.repository';
export * from './identity.repository';
export * from './sponsor-organisation.repository';
export * from './trial.repository';
export * from './flag.repository';
export * from './visit.repository';
export * from './protocol.repository';
export * from './screening.repository';
export * from './determination.repository';
export * from './sponsor-counts.repository';
export * from './webhook.repository';
export * from './webhook-report.repository';
export * from './referral.repository';
export * from './reminder.repository';
export * from './notification.repository';
export * from './email.repository';

/**
 * One repository per aggregate; each owns every statement on its tables, so services hold no SQL and take
 * fakes in unit tests. Provided (with `Transactions`) to every module of an app by `DatabaseModule`.
 */
export const REPOSITORIES = [
  AuditRepository,
  ConsentRepository,
  ParticipantRepository,
  ScheduleRepository,
  ScreeningRunRepository,
  SiteRepository,
  UserRepository,
  SessionRepository,
  OutboxRepository,
  DailyRescreenRepository,
  AuditCheckpointRepository,
  AuditTrailRepository,
  IdentityRepository,
  SponsorOrganisationRepository,
  TrialRepository,
  FlagRepository,
  VisitRepository,
  ProtocolRepository,
  ScreeningRepository,
  DeterminationRepository,
  SponsorCountsRepository,
  WebhookRepository,
  WebhookReportRepository,
  ReferralRepository,
  ReminderRepository,
  NotificationRepository,
  EmailRepository,
];
