import { Role } from '@registry/domain';
import type { Actor } from '../../apps/api/src/auth/actor';

const base = {
  email: 'someone@site.test',
  displayName: 'Someone',
  sponsorOrganisationId: null,
  sessionId: 's1',
};

export const coordinatorAt = (...siteIds: string[]): Actor => ({
  ...base,
  userId: `coordinator-${siteIds.join('-')}`,
  role: Role.Coordinator,
  siteIds,
});

export const monitorAt = (...siteIds: string[]): Actor => ({
  ...base,
  userId: `monitor-${siteIds.join('-')}`,
  role: Role.Monitor,
  siteIds,
});

export const admin = (): Actor => ({ ...base, userId: 'admin', role: Role.Admin, siteIds: [] });

export const sponsorOf = (organisationId: string): Actor => ({
  ...base,
  userId: `sponsor-${organisationId}`,
  role: Role.Sponsor,
  siteIds: [],
  sponsorOrganisationId: organisationId,
});
