import { createTestSystem, startApi, TestApi, TestSystem } from '../support/harness';
import { createIdentityFixture, identityEnv, IdentityFixture, PASSWORD } from '../support/identity-fixture';
import { acceptTrialSites } from '../support/trial-fixture';
import {
  addDays,
  createConsentDocument,
  defaultProtocolId,
  enrolConsentedParticipant,
  personInput,
  tokyoToday,
} from '../support/cohort-fixture';

type Caller =
  | 'admin'
  | 'coordinatorTokyo'
  | 'coordinatorBoston'
  | 'monitorTokyo'
  | 'sponsorAlpha'
  | 'sponsorBeta'
  | 'anonymous';
const CALLERS: Caller[] = [
  'admin',
  'coordinatorTokyo',
  'coordinatorBoston',
  'monitorTokyo',
  'sponsorAlpha',
  'sponsorBeta',
  'anonymous',
];

interface RouteCase {
  /** Method and OpenAPI path, e.g. 'GET /api/v1/sites/{id}'. */
  route: string;
  /** Several cases may cover one route (own versus other site or organisation). */
  scope?: string;
  path: (f: IdentityFixture, ctx: Context) => string;
  body?: (ctx: Context) => object;
  /** Expected status per caller; unlisted callers expect 403 (or 401 when anonymous). */
  expect: Partial<Record<Caller, number>>;
}

interface Context {
  throwawayUserId: string;
  unique: () => string;
  tokyoSiteId?: string;
  /** A Tokyo participant with full consent and no protocol yet. */
  fresh: string;
  /** A Tokyo participant on the default protocol, with a recorded visit. */
  followed: string;
  consentId: string;
  scheduledVisitIds: string[];
  assessmentId: string;
  protocolId: string;
  documentId: string;
  trialId: string;
  runId: string;
  flagId: string;
  /** Alpha's webhook endpoint. */
  webhookEndpointId: string;
  referralRequestId: string;
  referralContactId: string;
  /** A notification of the Tokyo coordinator. */
  notificationId: string;
}

const CLINICAL_READ = { admin: 200, coordinatorTokyo: 200, coordinatorBoston: 404, monitorTokyo: 200 };
const OWN_SITE_WRITE = (status: number) => ({ coordinatorTokyo: status, coordinatorBoston: 404 });

const ALL_SIGNED_IN = (status: number): Partial<Record<Caller, number>> =>
  Object.fromEntries(CALLERS.filter((c) => c !== 'anonymous').map((c) => [c, status]));

const MATRIX: RouteCase[] = [
  { route: 'GET /api/v1/auth/me', path: () => '/api/v1/auth/me', expect: ALL_SIGNED_IN(200) },
  {
    route: 'POST /api/v1/auth/password',
    path: () => '/api/v1/auth/password',
    body: () => ({ currentPassword: 'not it', newPassword: 'x' }),
    expect: ALL_SIGNED_IN(400), // reaches validation: the role may call it
  },
  {
    route: 'GET /api/v1/sites',
    path: () => '/api/v1/sites',
    expect: {
      admin: 200,
      coordinatorTokyo: 200,
      coordinatorBoston: 200,
      monitorTokyo: 200,
      sponsorAlpha: 200,
      sponsorBeta: 200,
    },
  },
  {
    route: 'GET /api/v1/sites/{id}',
    scope: 'the Tokyo site',
    path: (f) => `/api/v1/sites/${f.sites.tokyo}`,
    expect: {
      admin: 200,
      coordinatorTokyo: 200,
      coordinatorBoston: 404,
      monitorTokyo: 200,
      sponsorAlpha: 200,
      sponsorBeta: 200,
    },
  },
  {
    route: 'GET /api/v1/sites/{id}',
    scope: 'the Boston site',
    path: (f) => `/api/v1/sites/${f.sites.boston}`,
    expect: {
      admin: 200,
      coordinatorTokyo: 404,
      coordinatorBoston: 200,
      monitorTokyo: 404,
      sponsorAlpha: 200,
      sponsorBeta: 200,
    },
  },
  {
    route: 'POST /api/v1/sites',
    path: () => '/api/v1/sites',
    body: (ctx) => ({ code: ctx.unique(), name: 'New site', country: 'GB', timeZone: 'Europe/London' }),
    expect: { admin: 201 },
  },
  {
    route: 'PATCH /api/v1/sites/{id}',
    scope: 'own site of the coordinator',
    path: (f) => `/api/v1/sites/${f.sites.tokyo}`,
    body: () => ({ name: 'Tokyo Memory Clinic', reason: 'access matrix' }),
    expect: { admin: 200 },
  },
  {
    route: 'GET /api/v1/sponsor-organisations',
    path: () => '/api/v1/sponsor-organisations',
    expect: { admin: 200, sponsorAlpha: 200, sponsorBeta: 200 },
  },
  {
    route: 'GET /api/v1/sponsor-organisations/{id}',
    scope: 'Alpha',
    path: (f) => `/api/v1/sponsor-organisations/${f.organisations.alpha}`,
    expect: { admin: 200, sponsorAlpha: 200, sponsorBeta: 404 },
  },
  {
    route: 'POST /api/v1/sponsor-organisations',
    path: () => '/api/v1/sponsor-organisations',
    body: (ctx) => ({ name: `Organisation ${ctx.unique()}` }),
    expect: { admin: 201 },
  },
  { route: 'GET /api/v1/users', path: () => '/api/v1/users', expect: { admin: 200 } },
  {
    route: 'GET /api/v1/users/{id}',
    scope: 'the Tokyo coordinator',
    path: (f) => `/api/v1/users/${f.coordinatorTokyo.id}`,
    expect: {
      admin: 200,
      coordinatorTokyo: 200,
      coordinatorBoston: 404,
      monitorTokyo: 404,
      sponsorAlpha: 404,
      sponsorBeta: 404,
    },
  },
  {
    route: 'POST /api/v1/users',
    path: () => '/api/v1/users',
    body: (ctx) => ({
      email: `${ctx.unique().toLowerCase()}@matrix.test`,
      role: 'admin',
      displayName: 'M',
      password: PASSWORD,
    }),
    expect: { admin: 201 },
  },
  {
    route: 'PATCH /api/v1/users/{id}',
    path: (_, ctx) => `/api/v1/users/${ctx.throwawayUserId}`,
    body: (ctx) => ({ displayName: `Renamed ${ctx.unique()}`, reason: 'access matrix' }),
    expect: { admin: 200 },
  },
  {
    route: 'POST /api/v1/users/{id}/deactivate',
    path: (_, ctx) => `/api/v1/users/${ctx.throwawayUserId}/deactivate`,
    body: () => ({ reason: 'access matrix' }),
    expect: { admin: 200 },
  },
  {
    route: 'POST /api/v1/users/{id}/reactivate',
    path: (_, ctx) => `/api/v1/users/${ctx.throwawayUserId}/reactivate`,
    body: () => ({ reason: 'access matrix' }),
    expect: { admin: 200 },
  },
  {
    route: 'GET /api/v1/audit',
    path: () => '/api/v1/audit',
    expect: { admin: 200, coordinatorTokyo: 200, coordinatorBoston: 200, monitorTokyo: 200 },
  },
  { route: 'GET /api/v1/audit/verify', path: () => '/api/v1/audit/verify', expect: { admin: 200 } },
  {
    route: 'POST /api/v1/participants',
    scope: 'at the Tokyo site',
    path: () => '/api/v1/participants',
    body: (ctx) =>
      personInput(ctx.tokyoSiteId!, { identity: { familyName: ctx.unique(), givenName: 'Matrix' } }),
    expect: { coordinatorTokyo: 201, coordinatorBoston: 400 },
  },
  {
    route: 'GET /api/v1/participants',
    path: () => '/api/v1/participants',
    expect: { admin: 200, coordinatorTokyo: 200, coordinatorBoston: 200, monitorTokyo: 200 },
  },
  {
    route: 'GET /api/v1/participants/{participantId}',
    path: (_, c) => `/api/v1/participants/${c.followed}`,
    expect: CLINICAL_READ,
  },
  {
    route: 'GET /api/v1/participants/{participantId}/identity',
    path: (_, c) => `/api/v1/participants/${c.followed}/identity`,
    expect: { coordinatorTokyo: 200, coordinatorBoston: 404 },
  },
  {
    route: 'POST /api/v1/participants/{participantId}/status',
    path: (_, c) => `/api/v1/participants/${c.fresh}/status`,
    body: () => ({ to: 'screening', effectiveDate: tokyoToday(), reason: 'access matrix' }),
    expect: OWN_SITE_WRITE(200),
  },
  {
    route: 'GET /api/v1/consent-documents',
    path: () => '/api/v1/consent-documents',
    expect: { admin: 200, coordinatorTokyo: 200, coordinatorBoston: 200, monitorTokyo: 200 },
  },
  {
    route: 'POST /api/v1/consent-documents',
    path: () => '/api/v1/consent-documents',
    body: (ctx) => ({
      title: 'Matrix consent',
      version: ctx.unique(),
      language: 'en',
      effectiveDate: '2020-01-01',
      scopes: ['registry_follow_up'],
    }),
    expect: { admin: 201 },
  },
  {
    route: 'GET /api/v1/participants/{participantId}/consents',
    path: (_, c) => `/api/v1/participants/${c.followed}/consents`,
    expect: CLINICAL_READ,
  },
  {
    route: 'POST /api/v1/participants/{participantId}/consents',
    path: (_, c) => `/api/v1/participants/${c.followed}/consents`,
    body: (ctx) => ({
      consentDocumentId: ctx.documentId,
      signedOn: '2024-06-01',
      scopes: ['apoe_disclosure'],
    }),
    expect: OWN_SITE_WRITE(201),
  },
  {
    route: 'POST /api/v1/participants/{participantId}/consents/{consentId}/withdrawals',
    path: (_, c) => `/api/v1/participants/${c.followed}/consents/${c.consentId}/withdrawals`,
    body: () => ({ scopes: ['cross_border_transfer'], withdrawnOn: tokyoToday(), reason: 'access matrix' }),
    expect: OWN_SITE_WRITE(201),
  },
  {
    route: 'GET /api/v1/protocols',
    path: () => '/api/v1/protocols',
    expect: { admin: 200, coordinatorTokyo: 200, coordinatorBoston: 200, monitorTokyo: 200 },
  },
  {
    route: 'POST /api/v1/protocols',
    path: () => '/api/v1/protocols',
    body: () => ({
      code: 'MATRIX',
      name: 'Matrix protocol',
      visits: [
        {
          code: 'BL',
          name: 'Baseline',
          dayOffset: 0,
          windowBeforeDays: 0,
          windowAfterDays: 14,
          mode: 'remote',
          assessments: ['cfi'],
        },
      ],
    }),
    expect: { admin: 201 },
  },
  {
    route: 'POST /api/v1/participants/{participantId}/protocol',
    path: (_, c) => `/api/v1/participants/${c.fresh}/protocol`,
    body: (ctx) => ({ protocolId: ctx.protocolId, baselineDate: tokyoToday() }),
    expect: OWN_SITE_WRITE(201),
  },
  {
    route: 'GET /api/v1/participants/{participantId}/schedule',
    path: (_, c) => `/api/v1/participants/${c.followed}/schedule`,
    expect: CLINICAL_READ,
  },
  {
    route: 'POST /api/v1/participants/{participantId}/schedule/{scheduledVisitId}/reschedule',
    path: (_, c) => `/api/v1/participants/${c.followed}/schedule/${c.scheduledVisitIds[0]}/reschedule`,
    body: () => ({ targetDate: addDays(tokyoToday(), 190), reason: 'access matrix' }),
    expect: OWN_SITE_WRITE(200),
  },
  {
    route: 'POST /api/v1/participants/{participantId}/schedule/{scheduledVisitId}/cancel',
    path: (_, c) => `/api/v1/participants/${c.followed}/schedule/${c.scheduledVisitIds[1]}/cancel`,
    body: () => ({ reason: 'access matrix' }),
    expect: OWN_SITE_WRITE(200),
  },
  {
    route: 'POST /api/v1/participants/{participantId}/visits',
    path: (_, c) => `/api/v1/participants/${c.followed}/visits`,
    body: () => ({ visitDate: tokyoToday(), assessments: [{ type: 'cfi', values: { participant: 1 } }] }),
    expect: OWN_SITE_WRITE(201),
  },
  {
    route: 'GET /api/v1/participants/{participantId}/visits',
    path: (_, c) => `/api/v1/participants/${c.followed}/visits`,
    expect: CLINICAL_READ,
  },
  {
    route: 'PATCH /api/v1/participants/{participantId}/assessments/{assessmentId}',
    path: (_, c) => `/api/v1/participants/${c.followed}/assessments/${c.assessmentId}`,
    body: () => ({ values: { total: 27 }, reason: 'access matrix' }),
    expect: OWN_SITE_WRITE(200),
  },
  {
    route: 'GET /api/v1/trials/templates',
    path: () => '/api/v1/trials/templates',
    expect: { admin: 200, sponsorAlpha: 200, sponsorBeta: 200 },
  },
  {
    route: 'GET /api/v1/trials',
    path: () => '/api/v1/trials',
    expect: {
      admin: 200,
      coordinatorTokyo: 200,
      coordinatorBoston: 200,
      monitorTokyo: 200,
      sponsorAlpha: 200,
      sponsorBeta: 200,
    },
  },
  {
    route: 'GET /api/v1/trials/{id}',
    scope: "Alpha's trial at Tokyo",
    path: (_, c) => `/api/v1/trials/${c.trialId}`,
    expect: {
      admin: 200,
      coordinatorTokyo: 200,
      coordinatorBoston: 404,
      monitorTokyo: 200,
      sponsorAlpha: 200,
      sponsorBeta: 404,
    },
  },
  {
    route: 'POST /api/v1/trials',
    path: () => '/api/v1/trials',
    body: (ctx) => ({ ...trialInput(ctx.tokyoSiteId!), status: 'draft' }),
    expect: { sponsorAlpha: 201, sponsorBeta: 201 },
  },
  {
    route: 'PATCH /api/v1/trials/{id}',
    path: (_, c) => `/api/v1/trials/${c.trialId}`,
    body: (ctx) => ({ title: `Renamed ${ctx.unique()}` }),
    expect: { sponsorAlpha: 200, sponsorBeta: 404 },
  },
  {
    route: 'PUT /api/v1/trials/{id}/criteria',
    path: (_, c) => `/api/v1/trials/${c.trialId}/criteria`,
    body: () => ({ criteria: { language: 1, criteria: { type: 'age', min: 50 } } }),
    expect: { sponsorAlpha: 200, sponsorBeta: 404 },
  },
  {
    route: 'GET /api/v1/trials/site-proposals',
    path: () => '/api/v1/trials/site-proposals',
    expect: { admin: 200, coordinatorTokyo: 200, coordinatorBoston: 200 },
  },
  {
    route: 'POST /api/v1/trials/{id}/sites/{siteId}/accept',
    scope: 'Tokyo, already accepted',
    path: (_, c) => `/api/v1/trials/${c.trialId}/sites/${c.tokyoSiteId}/accept`,
    // Reaches the decision: the role may call it; Boston's coordinator has no say over Tokyo.
    expect: { admin: 409, coordinatorTokyo: 409, coordinatorBoston: 404 },
  },
  {
    route: 'POST /api/v1/trials/{id}/sites/{siteId}/decline',
    scope: 'Tokyo, already accepted',
    path: (_, c) => `/api/v1/trials/${c.trialId}/sites/${c.tokyoSiteId}/decline`,
    expect: { admin: 409, coordinatorTokyo: 409, coordinatorBoston: 404 },
  },
  {
    route: 'GET /api/v1/trials/{id}/screening-runs/{runId}',
    path: (_, c) => `/api/v1/trials/${c.trialId}/screening-runs/${c.runId}`,
    expect: { admin: 200, sponsorAlpha: 200, sponsorBeta: 404 },
  },
  {
    route: 'GET /api/v1/trials/{id}/pool',
    scope: "Alpha's trial: counts for its own organisation and admins only",
    path: (_, c) => `/api/v1/trials/${c.trialId}/pool`,
    expect: { admin: 200, sponsorAlpha: 200, sponsorBeta: 404 },
  },
  {
    route: 'POST /api/v1/feasibility',
    path: () => '/api/v1/feasibility',
    body: () => ({ criteria: { language: 1, criteria: { type: 'age', min: 60 } } }),
    expect: { admin: 200, sponsorAlpha: 200, sponsorBeta: 200 },
  },
  {
    route: 'POST /api/v1/webhook-endpoints',
    path: () => '/api/v1/webhook-endpoints',
    // A public address literal: no DNS lookup, and no worker runs here to send anything to it.
    body: () => ({ url: 'https://93.184.215.14/hook', eventTypes: ['screening_run.finished'] }),
    expect: { sponsorAlpha: 201, sponsorBeta: 201 },
  },
  {
    route: 'GET /api/v1/webhook-endpoints',
    scope: 'each organisation its own',
    path: () => '/api/v1/webhook-endpoints',
    expect: { sponsorAlpha: 200, sponsorBeta: 200 },
  },
  {
    route: 'POST /api/v1/webhook-endpoints/{id}/rotate-secret',
    scope: "Alpha's endpoint",
    path: (_, c) => `/api/v1/webhook-endpoints/${c.webhookEndpointId}/rotate-secret`,
    body: () => ({ overlapHours: 1 }),
    expect: { sponsorAlpha: 200, sponsorBeta: 404 },
  },
  {
    route: 'GET /api/v1/webhook-deliveries',
    scope: 'each organisation its own',
    path: () => '/api/v1/webhook-deliveries',
    expect: { sponsorAlpha: 200, sponsorBeta: 200 },
  },
  {
    route: 'POST /api/v1/webhook-deliveries/{id}/replay',
    scope: 'no such delivery',
    path: () => '/api/v1/webhook-deliveries/00000000-0000-4000-8000-000000000000/replay',
    expect: { sponsorAlpha: 404, sponsorBeta: 404 },
  },
  {
    route: 'DELETE /api/v1/webhook-endpoints/{id}',
    scope: "Alpha's endpoint (removed by the first caller allowed to)",
    path: (_, c) => `/api/v1/webhook-endpoints/${c.webhookEndpointId}`,
    expect: { sponsorAlpha: 204, sponsorBeta: 404 },
  },
  {
    route: 'GET /api/v1/flags',
    path: () => '/api/v1/flags',
    expect: { admin: 200, coordinatorTokyo: 200, coordinatorBoston: 200, monitorTokyo: 200 },
  },
  {
    route: 'POST /api/v1/flags/{id}/acknowledge',
    path: (_, c) => `/api/v1/flags/${c.flagId}/acknowledge`,
    expect: OWN_SITE_WRITE(200),
  },
  {
    route: 'GET /api/v1/notifications',
    path: () => '/api/v1/notifications',
    expect: { admin: 200, coordinatorTokyo: 200, coordinatorBoston: 200, monitorTokyo: 200 },
  },
  {
    route: 'POST /api/v1/notifications/{id}/read',
    scope: "the Tokyo coordinator's own notification: nobody else's, admins' included",
    path: (_, c) => `/api/v1/notifications/${c.notificationId}/read`,
    expect: { admin: 404, coordinatorTokyo: 200, coordinatorBoston: 404, monitorTokyo: 404 },
  },
  {
    route: 'GET /api/v1/notifications/settings',
    path: () => '/api/v1/notifications/settings',
    expect: { admin: 200, coordinatorTokyo: 200, coordinatorBoston: 200, monitorTokyo: 200 },
  },
  {
    route: 'PUT /api/v1/notifications/settings',
    path: () => '/api/v1/notifications/settings',
    body: () => ({ language: null, emailPreference: 'daily_digest' }),
    expect: { admin: 200, coordinatorTokyo: 200, coordinatorBoston: 200, monitorTokyo: 200 },
  },
  {
    route: 'GET /api/v1/participants/{participantId}/eligibility',
    path: (_, c) => `/api/v1/participants/${c.followed}/eligibility`,
    expect: CLINICAL_READ,
  },
  {
    route: 'POST /api/v1/trials/{id}/referral-requests',
    scope: "Alpha's trial, whose Tokyo request is open already: the sponsor reaches the conflict",
    path: (_, c) => `/api/v1/trials/${c.trialId}/referral-requests`,
    body: (c) => ({ sites: [{ siteId: c.tokyoSiteId, count: 5 }], dueOn: addDays(tokyoToday(), 30) }),
    expect: { sponsorAlpha: 409, sponsorBeta: 404 },
  },
  {
    route: 'GET /api/v1/trials/{id}/referral-funnel',
    scope: "Alpha's trial: counts for its own organisation and admins only",
    path: (_, c) => `/api/v1/trials/${c.trialId}/referral-funnel`,
    expect: { admin: 200, sponsorAlpha: 200, sponsorBeta: 404 },
  },
  {
    route: 'GET /api/v1/referral-requests',
    path: () => '/api/v1/referral-requests',
    expect: { admin: 200, coordinatorTokyo: 200, coordinatorBoston: 200, monitorTokyo: 200 },
  },
  {
    route: 'GET /api/v1/referral-requests/{id}',
    path: (_, c) => `/api/v1/referral-requests/${c.referralRequestId}`,
    expect: CLINICAL_READ,
  },
  {
    route: 'POST /api/v1/referral-requests/{id}/contacts',
    path: (_, c) => `/api/v1/referral-requests/${c.referralRequestId}/contacts`,
    body: (c) => ({ participantId: c.followed }),
    expect: OWN_SITE_WRITE(201),
  },
  {
    route: 'POST /api/v1/referral-contacts/{id}/transitions',
    path: (_, c) => `/api/v1/referral-contacts/${c.referralContactId}/transitions`,
    body: () => ({ to: 'not_reached' }),
    expect: OWN_SITE_WRITE(200),
  },
  {
    route: 'GET /api/v1/referrals/recruitment-speed',
    path: () => '/api/v1/referrals/recruitment-speed',
    expect: { admin: 200 },
  },
];

const trialInput = (siteId: string) => ({
  title: 'Matrix trial',
  registryNumber: 'NCT04468659',
  phase: '3',
  status: 'recruiting',
  siteIds: [siteId],
  targetEnrolment: 100,
  criteria: { language: 1, criteria: { type: 'age', min: 50 } },
});

/** Routes anyone may call; checked separately (their behaviour is in the auth and foundation tests). */
const PUBLIC_ROUTES = [
  'GET /api/v1/health',
  'GET /api/v1/health/ready',
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/refresh',
  'POST /api/v1/auth/logout',
];

describe('access matrix: every route, every role, own versus other site or organisation', () => {
  let system: TestSystem;
  let api: TestApi;
  let fixture: IdentityFixture;
  let context: Context;

  beforeAll(async () => {
    system = await createTestSystem(identityEnv);
    api = await startApi(system.config);
    fixture = await createIdentityFixture(api);
    const throwaway = await api
      .http()
      .post('/api/v1/users')
      .set(fixture.admin.auth)
      .send({
        email: 'throwaway@registry.test',
        role: 'monitor',
        displayName: 'T',
        password: PASSWORD,
        siteIds: [fixture.sites.tokyo],
      })
      .expect(201);
    let counter = 0;
    const documentId = await createConsentDocument(api, fixture.admin);
    const coordinator = fixture.coordinatorTokyo.auth;
    const fresh = await enrolConsentedParticipant(api, fixture, documentId, {
      identity: { familyName: 'Fresh', givenName: 'One' },
    });
    const followed = await enrolConsentedParticipant(api, fixture, documentId, {
      identity: { familyName: 'Followed', givenName: 'Two' },
    });
    const protocolId = await defaultProtocolId(api, fixture.coordinatorTokyo);
    const schedule = await api
      .http()
      .post(`/api/v1/participants/${followed}/protocol`)
      .set(coordinator)
      .send({ protocolId, baselineDate: tokyoToday() })
      .expect(201);
    const visit = await api
      .http()
      .post(`/api/v1/participants/${followed}/visits`)
      .set(coordinator)
      .send({
        visitDate: tokyoToday(),
        scheduledVisitId: schedule.body.visits[0].id,
        assessments: [{ type: 'mmse', values: { total: 28 } }],
      })
      .expect(201);
    const consents = await api
      .http()
      .get(`/api/v1/participants/${followed}/consents`)
      .set(coordinator)
      .expect(200);
    const trial = await api
      .http()
      .post('/api/v1/trials')
      .set(fixture.sponsorAlpha.auth)
      .send(trialInput(fixture.sites.tokyo))
      .expect(201);
    await acceptTrialSites(api, fixture.admin, trial.body.id, [fixture.sites.tokyo]);
    const run = await api
      .http()
      .put(`/api/v1/trials/${trial.body.id}/criteria`)
      .set(fixture.sponsorAlpha.auth)
      .send({ criteria: { language: 1, criteria: { type: 'age', min: 55 } } })
      .expect(200);
    // No worker runs here: a flag is written as the worker would write it.
    const [flag] = await api.dataSource.query<{ id: string }[]>(
      `INSERT INTO eligibility_flag (participant_id, trial_id, kind, episode, criteria_version) VALUES ($1, $2, 'eligible', 1, 2) RETURNING id`,
      [followed, trial.body.id],
    );
    const endpoint = await api
      .http()
      .post('/api/v1/webhook-endpoints')
      .set(fixture.sponsorAlpha.auth)
      .send({ url: 'https://93.184.215.14/matrix', eventTypes: ['screening_run.finished'] })
      .expect(201);
    // A referral request to Tokyo, and a contact for `fresh` (flagged as the worker would flag them).
    await api.dataSource.query(
      `INSERT INTO eligibility_flag (participant_id, trial_id, kind, episode, criteria_version) VALUES ($1, $2, 'eligible', 1, 2)`,
      [fresh, trial.body.id],
    );
    const referralRequest = await api
      .http()
      .post(`/api/v1/trials/${trial.body.id}/referral-requests`)
      .set(fixture.sponsorAlpha.auth)
      .send({ sites: [{ siteId: fixture.sites.tokyo, count: 5 }], dueOn: addDays(tokyoToday(), 30) })
      .expect(201);
    const referralContact = await api
      .http()
      .post(`/api/v1/referral-requests/${referralRequest.body[0].id}/contacts`)
      .set(coordinator)
      .send({ participantId: fresh })
      .expect(201);
    // No worker runs here either: a reminder and its notification to the Tokyo coordinator, as the worker writes them.
    const [notification] = await api.dataSource.query<{ id: string }[]>(
      `WITH r AS (
         INSERT INTO reminder (site_id, participant_id, kind, subject_key, about_day, sent_on, facts)
         VALUES ($1, $2, 'eligible_flag', 'flag:' || $3, current_date, current_date, '{}') RETURNING id)
       INSERT INTO notification (reminder_id, recipient_id, kind, language, subject, body, participant_id, site_id, email)
       SELECT r.id, $4, 'eligible_flag', 'en', 'subject', 'body', $2, $1, 'not_sent' FROM r RETURNING id`,
      [fixture.sites.tokyo, followed, flag.id, fixture.coordinatorTokyo.id],
    );
    context = {
      webhookEndpointId: endpoint.body.id,
      referralRequestId: referralRequest.body[0].id,
      referralContactId: referralContact.body.id,
      notificationId: notification.id,
      throwawayUserId: throwaway.body.id,
      // Letters only: the same value serves as a site code.
      unique: () =>
        `Q${String.fromCharCode(65 + Math.floor(counter / 26))}${String.fromCharCode(65 + (counter++ % 26))}`,
      tokyoSiteId: fixture.sites.tokyo,
      fresh,
      followed,
      consentId: consents.body.consents[0].id,
      scheduledVisitIds: [schedule.body.visits[1].id, schedule.body.visits[2].id],
      assessmentId: visit.body.assessments[0].id,
      protocolId,
      documentId,
      trialId: trial.body.id,
      runId: run.body.screeningRunId,
      flagId: flag.id,
    };
  });

  afterAll(async () => {
    await api?.close();
    await system?.shutdown();
  });

  it('covers every route in the OpenAPI document', async () => {
    const document = (await api.http().get('/api/docs-json').expect(200)).body as {
      paths: Record<string, object>;
    };
    const routes = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const covered = new Set([...MATRIX.map((c) => c.route), ...PUBLIC_ROUTES]);
    expect(routes.filter((route) => !covered.has(route))).toEqual([]);
  });

  for (const routeCase of MATRIX) {
    for (const caller of CALLERS) {
      const expected = routeCase.expect[caller] ?? (caller === 'anonymous' ? 401 : 403);
      const label = `${routeCase.route}${routeCase.scope ? ` (${routeCase.scope})` : ''} as ${caller} -> ${expected}`;
      it(label, async () => {
        const method = routeCase.route.split(' ')[0].toLowerCase() as
          'get' | 'post' | 'patch' | 'put' | 'delete';
        const http = api.http();
        let call = http[method](routeCase.path(fixture, context));
        if (caller !== 'anonymous') call = call.set(fixture[caller].auth);
        const res = await (routeCase.body ? call.send(routeCase.body(context)) : call);
        // The body is part of the comparison so that a failure shows the error code, not just the status.
        expect({ status: res.status, code: res.body?.code, details: res.body?.details }).toEqual(
          expect.objectContaining({ status: expected }),
        );
      });
    }
  }

  it.each(PUBLIC_ROUTES.filter((r) => r.startsWith('GET')))('%s needs no token', async (route) => {
    await api.http().get(route.split(' ')[1]).expect(200);
  });

  describe('list endpoints never return other sites or organisations', () => {
    const ids = (body: { id: string }[]) => body.map((row) => row.id).sort();

    it('sites', async () => {
      const asCoordinator = await api
        .http()
        .get('/api/v1/sites')
        .set(fixture.coordinatorTokyo.auth)
        .expect(200);
      expect(ids(asCoordinator.body)).toEqual([fixture.sites.tokyo]);
      const asMonitor = await api.http().get('/api/v1/sites').set(fixture.monitorTokyo.auth).expect(200);
      expect(ids(asMonitor.body)).toEqual([fixture.sites.tokyo]);
      const asAdmin = await api.http().get('/api/v1/sites').set(fixture.admin.auth).expect(200);
      expect(ids(asAdmin.body)).toEqual(expect.arrayContaining([fixture.sites.tokyo, fixture.sites.boston]));
    });

    it('sponsor organisations', async () => {
      const asSponsor = await api
        .http()
        .get('/api/v1/sponsor-organisations')
        .set(fixture.sponsorAlpha.auth)
        .expect(200);
      expect(ids(asSponsor.body)).toEqual([fixture.organisations.alpha]);
    });

    it('audit events', async () => {
      const asCoordinator = await api
        .http()
        .get('/api/v1/audit?pageSize=200')
        .set(fixture.coordinatorBoston.auth)
        .expect(200);
      const siteIds = new Set(asCoordinator.body.items.map((event: { siteId: string }) => event.siteId));
      expect([...siteIds]).toEqual([fixture.sites.boston]);
      const asAdmin = await api.http().get('/api/v1/audit?pageSize=200').set(fixture.admin.auth).expect(200);
      expect(asAdmin.body.total).toBeGreaterThan(asCoordinator.body.total);
    });
  });
});
