import { Role } from '@registry/domain';
import { mayCallRoute, maySeeSite, mayWriteParticipantData, siteScopeOf } from './access-policy';
import type { Actor } from './actor';

const TOKYO = '11111111-1111-4111-8111-111111111111';
const BOSTON = '22222222-2222-4222-8222-222222222222';
const actor = (role: Role, siteIds: string[] = []): Actor => ({
  userId: '33333333-3333-4333-8333-333333333333',
  role,
  email: 'someone@registry.test',
  displayName: 'Someone',
  siteIds,
  sponsorOrganisationId: null,
  sessionId: '44444444-4444-4444-8444-444444444444',
});

describe('the access policy', () => {
  it('lets a role call a route only when the route names it, and nobody call a route naming no role', () => {
    expect(mayCallRoute(Role.Monitor, [Role.Admin, Role.Monitor])).toBe(true);
    expect(mayCallRoute(Role.Sponsor, [Role.Admin, Role.Monitor])).toBe(false);
    expect(mayCallRoute(Role.Admin, undefined)).toBe(false);
    expect(mayCallRoute(Role.Admin, [])).toBe(false);
  });

  it('shows admins every site, coordinators and monitors their own, and sponsors none', () => {
    expect(siteScopeOf(actor(Role.Admin))).toEqual({ all: true });
    expect(siteScopeOf(actor(Role.Monitor, [TOKYO]))).toEqual({ all: false, siteIds: [TOKYO] });
    expect(siteScopeOf(actor(Role.Sponsor, [TOKYO]))).toEqual({ all: false, siteIds: [] });
    expect(maySeeSite(actor(Role.Coordinator, [TOKYO]), TOKYO)).toBe(true);
    expect(maySeeSite(actor(Role.Coordinator, [TOKYO]), BOSTON)).toBe(false);
    expect(maySeeSite(actor(Role.Admin), BOSTON)).toBe(true);
  });

  it('lets only a coordinator of the participant’s site write clinical data', () => {
    expect(mayWriteParticipantData(actor(Role.Coordinator, [TOKYO]), TOKYO)).toBe(true);
    expect(mayWriteParticipantData(actor(Role.Coordinator, [TOKYO]), BOSTON)).toBe(false);
    expect(mayWriteParticipantData(actor(Role.Monitor, [TOKYO]), TOKYO)).toBe(false);
    expect(mayWriteParticipantData(actor(Role.Admin), TOKYO)).toBe(false);
  });
});
