import { CreateOutbox1795490000000 } from './1795490000000-CreateOutbox';
import { CreateIdentityAndAudit1795500000000 } from './1795500000000-CreateIdentityAndAudit';
import { CreateCohort1795510000000 } from './1795510000000-CreateCohort';
import { CreateEligibility1795520000000 } from './1795520000000-CreateEligibility';
import { ScreeningAtScale1795530000000 } from './1795530000000-ScreeningAtScale';
import { ScreeningFacts1795540000000 } from './1795540000000-ScreeningFacts';
import { AppRoleAndAuditCheckpoints1795570000000 } from './1795570000000-AppRoleAndAuditCheckpoints';

/** Every migration in order. A new migration file must be added here (the drift test fails otherwise). */
export const MIGRATIONS = [
  CreateOutbox1795490000000,
  CreateIdentityAndAudit1795500000000,
  CreateCohort1795510000000,
  CreateEligibility1795520000000,
  ScreeningAtScale1795530000000,
  ScreeningFacts1795540000000,
  AppRoleAndAuditCheckpoints1795570000000,
];
