import { AuditRepository } from './audit.repository';
import { ConsentRepository } from './consent.repository';
import { ParticipantRepository } from './participant.repository';
import { ScheduleRepository } from './schedule.repository';
import { ScreeningRunRepository } from './screening-run.repository';
import { SiteRepository } from './site.repository';
import { ScreeningRepository } from './screening.repository';
import { DeterminationRepository } from './determination.repository';

export * from './transactions';
export * from './audit.repository';
export * from './consent.repository';
export * from './participant.repository';
export * from './schedule.repository';
export * from './screening-run.repository';
export * from './site.repository';
export * from './screening.repository';
export * from './determination.repository';

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
  ScreeningRepository,
  DeterminationRepository,
];
