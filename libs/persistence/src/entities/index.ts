import { AuditEventEntity } from './audit-event.entity';
import { AuditCheckpointEntity } from './audit-checkpoint.entity';
import { ConsentDocumentEntity, ConsentWithdrawalEntity, ParticipantConsentEntity } from './consent.entity';
import { ParticipantDuplicateFlagEntity } from './duplicate-flag.entity';
import {
  DailyRescreenEntity,
  EligibilityDeterminationEntity,
  EligibilityFlagEntity,
  EligibilityHistoryEntity,
  ScreeningPartitionEntity,
  ScreeningRunEntity,
} from './eligibility.entity';
import { TrialCriteriaVersionEntity, TrialEntity } from './trial.entity';
import { OutboxEventEntity } from './outbox-event.entity';
import { ParticipantIdentityEntity } from './participant-identity.entity';
import { ParticipantEntity } from './participant.entity';
import { ScreeningFactsEntity } from './screening-facts.entity';
import { ProtocolEntity, ProtocolVisitEntity } from './protocol.entity';
import { RefreshTokenEntity } from './refresh-token.entity';
import { SiteEntity } from './site.entity';
import { SponsorOrganisationEntity } from './sponsor-organisation.entity';
import { UserEntity } from './user.entity';
import { AssessmentEntity, LatestAssessmentEntity, ScheduledVisitEntity, VisitEntity } from './visit.entity';
import { TrialSiteProposalEntity } from './trial-site-proposal.entity';
import { WebhookDeliveryEntity, WebhookEndpointEntity, WebhookReportEntity } from './webhook.entity';
import { ReferralContactEntity, ReferralRequestEntity, TrialCommitmentEntity } from './referral.entity';
import { NotificationEntity, ReminderEntity, SiteReminderDayEntity } from './notification.entity';

export type { AuditedChange } from './audit-event.entity';
export { APOE_GENOTYPES, REFERRAL_SOURCES, SEXES } from './participant.entity';
export { TRIAL_SITE_PROPOSAL_STATES } from './trial-site-proposal.entity';
export { WEBHOOK_DELIVERY_STATES } from './webhook.entity';
export type { WebhookDeliveryState } from './webhook.entity';
export type { TrialSiteProposalState } from './trial-site-proposal.entity';
export {
  EligibilityDeterminationEntity,
  EligibilityFlagEntity,
  EligibilityHistoryEntity,
  ScreeningPartitionEntity,
  ScreeningRunEntity,
  TrialCriteriaVersionEntity,
  TrialEntity,
  AssessmentEntity,
  LatestAssessmentEntity,
  ScreeningFactsEntity,
  AuditEventEntity,
  ConsentDocumentEntity,
  ConsentWithdrawalEntity,
  OutboxEventEntity,
  ParticipantConsentEntity,
  ParticipantDuplicateFlagEntity,
  ParticipantEntity,
  ParticipantIdentityEntity,
  ProtocolEntity,
  ProtocolVisitEntity,
  RefreshTokenEntity,
  ScheduledVisitEntity,
  SiteEntity,
  SponsorOrganisationEntity,
  UserEntity,
  VisitEntity,
  DailyRescreenEntity,
  TrialSiteProposalEntity,
  AuditCheckpointEntity,
  WebhookEndpointEntity,
  WebhookDeliveryEntity,
  WebhookReportEntity,
  ReferralRequestEntity,
  ReferralContactEntity,
  TrialCommitmentEntity,
  SiteReminderDayEntity,
  ReminderEntity,
  NotificationEntity,
};

/** Every entity, listed explicitly so that the apps, the CLI and the tests load exactly the same set. */
export const ENTITIES = [
  OutboxEventEntity,
  SiteEntity,
  SponsorOrganisationEntity,
  UserEntity,
  RefreshTokenEntity,
  AuditEventEntity,
  ProtocolEntity,
  ProtocolVisitEntity,
  ParticipantEntity,
  ParticipantIdentityEntity,
  ParticipantDuplicateFlagEntity,
  ConsentDocumentEntity,
  ParticipantConsentEntity,
  ConsentWithdrawalEntity,
  ScheduledVisitEntity,
  VisitEntity,
  AssessmentEntity,
  LatestAssessmentEntity,
  ScreeningFactsEntity,
  TrialEntity,
  TrialCriteriaVersionEntity,
  EligibilityDeterminationEntity,
  EligibilityHistoryEntity,
  EligibilityFlagEntity,
  ScreeningRunEntity,
  ScreeningPartitionEntity,
  DailyRescreenEntity,
  TrialSiteProposalEntity,
  AuditCheckpointEntity,
  WebhookEndpointEntity,
  WebhookDeliveryEntity,
  WebhookReportEntity,
  ReferralRequestEntity,
  ReferralContactEntity,
  TrialCommitmentEntity,
  SiteReminderDayEntity,
  ReminderEntity,
  NotificationEntity,
];
