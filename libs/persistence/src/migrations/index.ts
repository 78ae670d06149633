import { CreateOutbox1795490000000 } from './1795490000000-CreateOutbox';
import { CreateIdentityAndAudit1795500000000 } from './1795500000000-CreateIdentityAndAudit';
import { CreateCohort1795510000000 } from './1795510000000-CreateCohort';
import { CreateEligibility1795520000000 } from './1795520000000-CreateEligibility';
import { ScreeningAtScale1795530000000 } from './1795530000000-ScreeningAtScale';
import { ScreeningFacts1795540000000 } from './1795540000000-ScreeningFacts';
import { StoredExplanation1795580000000 } from './1795580000000-StoredExplanation';
import { DailyRescreenPerSite1795590000000 } from './1795590000000-DailyRescreenPerSite';
import { TrialSiteProposals1795600000000 } from './1795600000000-TrialSiteProposals';
import { AppRoleAndAuditCheckpoints1795610000000 } from './1795610000000-AppRoleAndAuditCheckpoints';
import { OutboxFailedEvents1795630000000 } from './1795630000000-OutboxFailedEvents';
import { DeterminationTimeChangeDay1795640000000 } from './1795640000000-DeterminationTimeChangeDay';
import { Webhooks1795680000000 } from './1795680000000-Webhooks';
import { Referrals1795650000000 } from './1795650000000-Referrals';
import { RemindersAndNotifications1795660000000 } from './1795660000000-RemindersAndNotifications';
import { ScreeningPartitions1795690000000 } from './1795690000000-ScreeningPartitions';
import { WebhookReports1795700000000 } from './1795700000000-WebhookReports';
import { DeterminationTimeChangeByTrial1795710000000 } from './1795710000000-DeterminationTimeChangeByTrial';
import { DeterminationCoveringKey1795720000000 } from './1795720000000-DeterminationCoveringKey';
import { FlagTimeOrderedIds1795730000000 } from './1795730000000-FlagTimeOrderedIds';
import { ScreeningFactsReadFields1795740000000 } from './1795740000000-ScreeningFactsReadFields';
import { DeterminationRoomToUpdate1795750000000 } from './1795750000000-DeterminationRoomToUpdate';
import { ScreeningFactsCutInline1795760000000 } from './1795760000000-ScreeningFactsCutInline';

/** Every migration in order. A new migration file must be added here (the drift test fails otherwise). */
export const MIGRATIONS = [
  CreateOutbox1795490000000,
  CreateIdentityAndAudit1795500000000,
  CreateCohort1795510000000,
  CreateEligibility1795520000000,
  ScreeningAtScale1795530000000,
  ScreeningFacts1795540000000,
  StoredExplanation1795580000000,
  DailyRescreenPerSite1795590000000,
  TrialSiteProposals1795600000000,
  AppRoleAndAuditCheckpoints1795610000000,
  OutboxFailedEvents1795630000000,
  DeterminationTimeChangeDay1795640000000,
  Referrals1795650000000,
  RemindersAndNotifications1795660000000,
  Webhooks1795680000000,
  ScreeningPartitions1795690000000,
  WebhookReports1795700000000,
  DeterminationTimeChangeByTrial1795710000000,
  DeterminationCoveringKey1795720000000,
  FlagTimeOrderedIds1795730000000,
  ScreeningFactsReadFields1795740000000,
  DeterminationRoomToUpdate1795750000000,
  ScreeningFactsCutInline1795760000000,
];
