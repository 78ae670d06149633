import type { INestApplicationContext } from '@nestjs/common';
import { addDays, dayBegunEverywhere, Role } from '@registry/domain';
import { migrationDataSourceOptions } from '@registry/persistence';
import { SystemClock } from '@registry/platform';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { DEMO_USERS, ensureDemoTrials } from '../../apps/api/src/cli/demo-data';
import { ensureDemoReferrals } from '../../apps/api/src/cli/demo-referrals';
import { ensureDemoIdentityWithLogins, readDemoPassword } from '../../apps/api/src/cli/demo-logins';
import { writeSyntheticCohort } from '../../apps/api/src/cli/seed-writer';
import { createTestSystem, startApi, startWorker, TestApi, TestSystem } from '../support/harness';
import { login } from '../support/identity-fixture';
import { acceptTrialSites } from '../support/trial-fixture';
import { waitFor } from '../support/wait-for';
import { countsIn } from '../support/sponsor-answers';
import { WebhookReportsService } from '../../apps/worker/src/webhooks/webhook-reports.service';

/**
 * Issue 17: every answer a sponsor can get, over the demo cohort, is scanned for the people behind it. The
 * demo is written as `npm run seed -- --demo` writes it (apps/api/src/cli/seed.ts), at 300 participants
 * instead of 2,000: small enough for a quick test, small enough that many cells of a breakdown hold 1 to 10
 * people, which disclosure control must hide.
 */
const PARTICIPANTS = 300;
const DEMO_SPONSOR_EMAIL = DEMO_USERS.find((user) => user.role === Role.Sponsor)!.email;
const DEMO_ADMIN_EMAIL = DEMO_USERS.find((user) => user.role === Role.Admin)!.email;
const API = '/api/v1';

/** GET routes that answer the demo sponsor with success, called with every real id that fits them. */
const SPONSOR_READS = [
  'GET /api/v1/health',
  'GET /api/v1/health/ready',
  'GET /api/v1/auth/me',
  'GET /api/v1/sites',
  'GET /api/v1/sites/{id}',
  'GET /api/v1/sponsor-organisations',
  'GET /api/v1/sponsor-organisations/{id}',
  'GET /api/v1/users/{id}',
  'GET /api/v1/trials',
  'GET /api/v1/trials/templates',
  'GET /api/v1/trials/{id}',
  'GET /api/v1/trials/{id}/pool',
  'GET /api/v1/trials/{id}/screening-runs/{runId}',
  'GET /api/v1/trials/{id}/referral-funnel',
  'GET /api/v1/webhook-endpoints',
  'GET /api/v1/webhook-deliveries',
];

/** The other routes a sponsor may call (or anyone may: log-in, refresh, log-out); each is called with a valid body. */
const SPONSOR_WRITES = [
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/refresh',
  'POST /api/v1/auth/logout',
  'POST /api/v1/auth/password',
  'POST /api/v1/trials',
  'PATCH /api/v1/trials/{id}',
  'PUT /api/v1/trials/{id}/criteria',
  'POST /api/v1/feasibility',
  'POST /api/v1/trials/{id}/referral-requests',
  'POST /api/v1/webhook-endpoints',
  'POST /api/v1/webhook-endpoints/{id}/rotate-secret',
  'DELETE /api/v1/webhook-endpoints/{id}',
  'POST /api/v1/webhook-deliveries/{id}/replay',
];

/** The answers made of counts of people: each count passes disclosure control. */
const COUNT_ROUTES = new Set([
  'GET /api/v1/trials/{id}/pool',
  'POST /api/v1/feasibility',
  'GET /api/v1/trials/{id}/screening-runs/{runId}',
  'GET /api/v1/trials/{id}/referral-funnel',
]);

/**
 * Answers about the signed-in user themselves, where the sponsor's own e-mail address is expected. Only that
 * one address is let through, and only here: any other address, or this one in any other answer, fails.
 */
const SELF_ROUTES = new Set(['GET /api/v1/auth/me', 'GET /api/v1/users/{id}']);

/** A sponsor's successful answer: the route of the OpenAPI document, the path called, and the body as sent. */
interface Answer {
  route: string;
  path: string;
  text: string;
}

/** A value from the identity tables, and how it is looked for. */
interface PersonalValue {
  what: string;
  value: string;
  /** Names are found whatever their case, as whole words ("Ito" is inside "monitor"); the rest as stored. */
  name: boolean;
}

/** Patterns of personal data whatever the person: what no stored value lists may still be one. */
const PATTERNS: [string, RegExp][] = [
  ['registry id', /[A-Z]{2,5}-[0-9]{6}-[0-9A-Z]/g],
  ['e-mail', /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[a-z]{2,}/g],
  // International numbers (+81 90 ...); a bare run of digits would match counts and hashes.
  ['phone', /\+[0-9]{1,3}[ -][0-9]{1,4}[ -][0-9]{3,4}/g],
  // Japanese postal codes, the form the demo's sites would use.
  ['postal code', /\b[0-9]{3}-[0-9]{4}\b/g],
];

const isWordCharacter = (character: string | undefined) =>
  character !== undefined && /[\p{L}\p{N}]/u.test(character);

function containsWord(lowerText: string, lowerWord: string): boolean {
  for (let at = lowerText.indexOf(lowerWord); at >= 0; at = lowerText.indexOf(lowerWord, at + 1))
    if (!isWordCharacter(lowerText[at - 1]) && !isWordCharacter(lowerText[at + lowerWord.length]))
      return true;
  return false;
}

/** What in `answer` identifies a person: stored values found in it, and matches of the generic patterns. */
function personalDataIn(answer: Answer, values: readonly PersonalValue[], ownEmail: string): string[] {
  const lowerText = answer.text.toLowerCase();
  const found = values
    .filter(({ value, name }) =>
      name ? containsWord(lowerText, value.toLowerCase()) : answer.text.includes(value),
    )
    .map(({ what, value }) => `${what} ${JSON.stringify(value)}`);
  for (const [what, pattern] of PATTERNS)
    for (const [match] of answer.text.matchAll(pattern)) {
      if (what === 'e-mail' && SELF_ROUTES.has(answer.route) && match.toLowerCase() === ownEmail) continue;
      found.push(`${what} pattern ${JSON.stringify(match)}`);
    }
  return found.map((finding) => `${answer.route} (${answer.path}): ${finding}`);
}

/** The real ids a path parameter takes, keyed by the segment before it and its name. */
interface Ids {
  sites: string[];
  sponsorOrganisation: string;
  ownUser: string;
  otherUser: string;
  trials: string[];
  runsOf: Map<string, string[]>;
  participant: string;
  consent: string;
  scheduledVisit: string;
  assessment: string;
  flag: string;
  referralRequest: string;
  referralContact: string;
  webhookEndpoint: string;
  webhookDelivery: string;
}

function valuesOf(parameter: string, ids: Ids, trial: string | undefined): string[] {
  switch (parameter) {
    case 'sites/{id}':
      return ids.sites;
    case 'sites/{siteId}':
      return ids.sites.slice(0, 1);
    case 'sponsor-organisations/{id}':
      return [ids.sponsorOrganisation];
    case 'users/{id}':
      return [ids.ownUser, ids.otherUser];
    case 'trials/{id}':
      return ids.trials;
    case 'screening-runs/{runId}':
      return ids.runsOf.get(trial!) ?? [];
    case 'participants/{participantId}':
      return [ids.participant];
    case 'consents/{consentId}':
      return [ids.consent];
    case 'schedule/{scheduledVisitId}':
      return [ids.scheduledVisit];
    case 'assessments/{assessmentId}':
      return [ids.assessment];
    case 'flags/{id}':
      return [ids.flag];
    case 'referral-requests/{id}':
      return [ids.referralRequest];
    case 'referral-contacts/{id}':
      return [ids.referralContact];
    case 'webhook-endpoints/{id}':
      return [ids.webhookEndpoint];
    case 'webhook-deliveries/{id}':
      return [ids.webhookDelivery];
    case 'notifications/{id}':
      // Sponsors have no inbox: the role guard answers before the id is read.
      return [ids.otherUser];
    default:
      throw new Error(`no real id for ${parameter}: a new route; give it ids here`);
  }
}

/** The route with each path parameter replaced by each real id that fits it (a run by its own trial's). */
function concretePaths(route: string, ids: Ids): string[] {
  const segments = route.split('/');
  let paths: { segments: string[]; trial?: string }[] = [{ segments: [] }];
  segments.forEach((segment, index) => {
    const parameter = /^\{\w+\}$/.test(segment) ? `${segments[index - 1]}/${segment}` : undefined;
    paths = paths.flatMap((path) =>
      (parameter ? valuesOf(parameter, ids, path.trial) : [segment]).map((value) => ({
        segments: [...path.segments, value],
        trial: parameter === 'trials/{id}' ? value : path.trial,
      })),
    );
  });
  return paths.map((path) => path.segments.join('/'));
}

const byName = (a: string, b: string) => a.localeCompare(b);

describe('PII scan: nothing a sponsor is answered over the demo cohort identifies anyone', () => {
  let system: TestSystem;
  let owner: DataSource;
  let api: TestApi;
  let worker: INestApplicationContext;
  let directory: string;
  let password: string;
  let sponsorAuth: Record<string, string>;
  let routes: string[];
  const answers: Answer[] = [];
  /** Write routes called with a valid body and answered with success. */
  const written = new Set<string>();

  /** Calls as the sponsor; keeps a successful answer to scan. */
  const call = async (
    route: string,
    path: string,
    body?: object,
    auth: Record<string, string> = sponsorAuth,
  ): Promise<Response> => {
    const method = route.split(' ')[0].toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
    const request = api.http()[method](path).set(auth);
    const res = await (body === undefined ? request : request.send(body));
    if (res.status >= 200 && res.status < 300) answers.push({ route, path, text: res.text });
    return res;
  };
  /** A write the sponsor may make, with a valid body: it must succeed. */
  const write = async (route: string, path: string, body?: object, auth?: Record<string, string>) => {
    const res = await call(route, path, body, auth);
    if (res.status >= 300) throw new Error(`${route}: ${res.status} ${res.text}`);
    written.add(route);
    return res;
  };
  const screeningRunning = async () =>
    (
      await owner.query<{ runs: number; running: number }[]>(
        `SELECT count(*)::int AS runs, count(*) FILTER (WHERE finished_at IS NULL)::int AS running FROM screening_run`,
      )
    )[0];

  beforeAll(async () => {
    system = await createTestSystem({
      OUTBOX_POLL_INTERVAL_MS: '100',
      // Every route is called for every trial: far more queries than a person would make in an hour.
      SPONSOR_QUERY_LIMIT: '10000',
      LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
      // The scan's webhook endpoint: the discard port on loopback, which refuses; nothing leaves the machine.
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    });
    // As the seed CLI: the owner writes what no app route could.
    owner = new DataSource(
      migrationDataSourceOptions(
        { ...system.config, MIGRATION_DATABASE_URL: system.database.ownerUrl },
        'sponsor-pii-scan-seed',
      ),
    );
    await owner.initialize();
    directory = mkdtempSync(join(tmpdir(), 'trialready-pii-'));
    const loginsFile = join(directory, 'demo-logins.txt');
    const { siteIds, sponsorId, ownerId } = await ensureDemoIdentityWithLogins(owner, loginsFile);
    await writeSyntheticCohort(owner, {
      participants: PARTICIPANTS,
      seed: 42,
      siteIds,
      today: dayBegunEverywhere(new SystemClock().now()),
      historyYears: 5,
      fingerprintKey: system.config.IDENTITY_FINGERPRINT_KEY,
    });
    await ensureDemoTrials(owner, siteIds, sponsorId, ownerId);
    // As the seed writes them: referrals in every state, so that the funnel and its tokens are scanned too.
    expect(await ensureDemoReferrals(owner, sponsorId, new SystemClock().now())).toBeGreaterThan(0);
    const states = await owner.query<{ state: string }[]>(
      `SELECT DISTINCT state FROM referral_contact ORDER BY state`,
    );
    expect(states.map((row) => row.state)).toEqual([
      'declined',
      'interested',
      'not_reached',
      'prescreen_booked',
      'randomised',
      'screen_failed',
      'to_contact',
    ]);
    password = readDemoPassword(loginsFile)!;

    api = await startApi(system.config);
    worker = await startWorker(system.config);
    await waitFor(
      screeningRunning,
      ({ runs, running }) => runs > 0 && running === 0,
      'the demo trials’ first screening',
      60_000,
    );
  }, 90_000);

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await owner?.destroy();
    await system?.shutdown();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('calls every route a sponsor may call, with real ids and valid bodies', async () => {
    const loggedIn = await write(
      `POST ${API}/auth/login`,
      `${API}/auth/login`,
      { email: DEMO_SPONSOR_EMAIL, password },
      {},
    );
    sponsorAuth = { Authorization: `Bearer ${loggedIn.body.accessToken}` };
    const admin = await login(api, DEMO_ADMIN_EMAIL, password);
    const document = (await api.http().get('/api/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    routes = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );

    // Feasibility of each template's criteria, as a sponsor starts from them.
    const templates = (await call(`GET ${API}/trials/templates`, `${API}/trials/templates`)).body as {
      title: string;
      registryNumber: string;
      phase: string;
      criteria: object;
    }[];
    expect(templates).toHaveLength(4);
    for (const template of templates)
      await write(`POST ${API}/feasibility`, `${API}/feasibility`, { criteria: template.criteria });

    // A trial of the sponsor's own, its sites accepted so that it is screened, then renamed.
    const demoTrials = (await call(`GET ${API}/trials`, `${API}/trials`)).body as {
      id: string;
      siteIds: string[];
      criteria: object;
    }[];
    const created = await write(`POST ${API}/trials`, `${API}/trials`, {
      title: `${templates[0].title}, second cohort`,
      registryNumber: templates[0].registryNumber,
      phase: templates[0].phase,
      status: 'recruiting',
      siteIds: demoTrials[0].siteIds,
      targetEnrolment: 400,
      criteria: templates[0].criteria,
    });
    await acceptTrialSites(api, admin, created.body.id, demoTrials[0].siteIds);
    // Referrals asked of the new trial's sites (the demo's trials have theirs already).
    await write(
      `POST ${API}/trials/{id}/referral-requests`,
      `${API}/trials/${created.body.id}/referral-requests`,
      {
        sites: demoTrials[0].siteIds.map((siteId) => ({ siteId, count: 10 })),
        dueOn: addDays(dayBegunEverywhere(new SystemClock().now()), 60),
      },
    );
    await write(`PATCH ${API}/trials/{id}`, `${API}/trials/${created.body.id}`, {
      title: `${templates[0].title}, second cohort (renamed)`,
    });
    // A demo trial's criteria put again: a new version, and a re-screen whose progress the sponsor reads.
    await write(`PUT ${API}/trials/{id}/criteria`, `${API}/trials/${demoTrials[0].id}/criteria`, {
      criteria: demoTrials[0].criteria,
    });
    await waitFor(screeningRunning, ({ running }) => running === 0, 'the new screenings', 60_000);

    // Webhooks, once the screenings have finished (no event reaches these endpoints): one endpoint removed, one
    // kept, its secret rotated, and a delivered message (as the worker leaves one) replayed.
    const hook = {
      url: 'http://127.0.0.1:9/pii-scan',
      eventTypes: ['screening_run.finished', 'trial.pool_changed', 'referral.outcome'],
    };
    const removed = await write(`POST ${API}/webhook-endpoints`, `${API}/webhook-endpoints`, hook);
    await write(`DELETE ${API}/webhook-endpoints/{id}`, `${API}/webhook-endpoints/${removed.body.id}`);
    const endpoint = await write(`POST ${API}/webhook-endpoints`, `${API}/webhook-endpoints`, hook);
    await write(
      `POST ${API}/webhook-endpoints/{id}/rotate-secret`,
      `${API}/webhook-endpoints/${endpoint.body.id}/rotate-secret`,
      { overlapHours: 1 },
    );
    // The daily reports of every trial's pool and referral funnel, as the worker's tick starts them: their
    // messages are in the delivery log read below, and scanned with every other answer.
    const reports = worker.get(WebhookReportsService);
    const due = await reports.due();
    expect(due).toHaveLength(2 * 5);
    for (const key of due) expect(await reports.check(key)).toBe('sent');
    const [delivery] = await owner.query<{ id: string }[]>(
      `INSERT INTO webhook_delivery (endpoint_id, sponsor_organisation_id, event_type, event_id, body, state, attempts, next_attempt_at, delivered_at, created_at)
       SELECT id, sponsor_organisation_id, 'screening_run.finished', gen_random_uuid(), '{}', 'delivered', 1, now(), now(), now()
         FROM webhook_endpoint WHERE id = $1 RETURNING id`,
      [endpoint.body.id],
    );
    await write(
      `POST ${API}/webhook-deliveries/{id}/replay`,
      `${API}/webhook-deliveries/${delivery.id}/replay`,
    );

    const [participant] = await owner.query<{ id: string }[]>(
      `SELECT id FROM participant ORDER BY id LIMIT 1`,
    );
    const first = async (sql: string) => (await owner.query<{ id: string }[]>(sql, [participant.id]))[0]?.id;
    const runs = await owner.query<{ trial_id: string; id: string }[]>(
      `SELECT trial_id, id FROM screening_run ORDER BY started_at`,
    );
    const me = (await call(`GET ${API}/auth/me`, `${API}/auth/me`)).body as {
      id: string;
      sponsorOrganisationId: string;
    };
    const ids: Ids = {
      sites: (await owner.query<{ id: string }[]>(`SELECT id FROM site ORDER BY code`)).map((s) => s.id),
      sponsorOrganisation: me.sponsorOrganisationId,
      ownUser: me.id,
      otherUser: admin.id,
      trials: (await owner.query<{ id: string }[]>(`SELECT id FROM trial ORDER BY title`)).map((t) => t.id),
      runsOf: runs.reduce(
        (map, run) => map.set(run.trial_id, [...(map.get(run.trial_id) ?? []), run.id]),
        new Map<string, string[]>(),
      ),
      participant: participant.id,
      consent: await first(`SELECT id FROM participant_consent WHERE participant_id = $1`),
      scheduledVisit: await first(`SELECT id FROM scheduled_visit WHERE participant_id = $1`),
      assessment: await first(`SELECT id FROM assessment WHERE participant_id = $1`),
      // Flags are raised only for the eligible; if screening raised none, any uuid will do, as the role guard
      // answers before the id is looked up.
      flag:
        (await owner.query<{ id: string }[]>(`SELECT id FROM eligibility_flag LIMIT 1`))[0]?.id ?? admin.id,
      // The demo's referrals (in every state); as for flags, the role guard answers before the id is read.
      referralRequest:
        (await owner.query<{ id: string }[]>(`SELECT id FROM referral_request LIMIT 1`))[0]?.id ?? admin.id,
      referralContact:
        (await owner.query<{ id: string }[]>(`SELECT id FROM referral_contact LIMIT 1`))[0]?.id ?? admin.id,
      webhookEndpoint: endpoint.body.id as string,
      webhookDelivery: delivery.id,
    };
    expect(ids.trials).toHaveLength(5);
    expect(ids.runsOf.size).toBe(5);

    // Every GET route of the document, with every real id that fits it: each success is an answer to scan.
    const read = new Set<string>();
    for (const route of routes.filter((r) => r.startsWith('GET ')))
      for (const path of concretePaths(route.split(' ')[1], ids)) {
        const res = await call(route, path);
        if (res.status >= 200 && res.status < 300) read.add(route);
      }
    expect([...read].sort(byName)).toEqual([...SPONSOR_READS].sort(byName));

    // Every other route, with an empty body: the role guard answers 403 before any validation, so any other
    // status means that a sponsor gets through to it, and it must be one called above with a valid body.
    const reached: string[] = [];
    for (const route of routes.filter((r) => !r.startsWith('GET '))) {
      const res = await call(route, concretePaths(route.split(' ')[1], ids)[0], {});
      if (res.status !== 401 && res.status !== 403) reached.push(route);
    }

    // Last, as they change the session: a refresh, a new password, a log-out.
    const refreshed = await write(`POST ${API}/auth/refresh`, `${API}/auth/refresh`, {
      refreshToken: loggedIn.body.refreshToken,
    });
    const auth = { Authorization: `Bearer ${refreshed.body.accessToken}` };
    await write(
      `POST ${API}/auth/password`,
      `${API}/auth/password`,
      { currentPassword: password, newPassword: 'a renewed passphrase for the pii scan' },
      auth,
    );
    await write(`POST ${API}/auth/logout`, `${API}/auth/logout`, {
      refreshToken: refreshed.body.refreshToken,
    });

    expect(reached.sort(byName)).toEqual([...SPONSOR_WRITES].sort(byName));
    expect([...written].sort(byName)).toEqual([...SPONSOR_WRITES].sort(byName));
  }, 60_000);

  it("never contains a participant's name, registry id, birth date or contact details", async () => {
    expect(answers.length).toBeGreaterThan(30);
    const rows = await owner.query<Record<string, string | null>[]>(
      `SELECT p.id AS "registry id", to_char(p.birth_date, 'YYYY-MM-DD') AS "birth date",
              i.family_name AS "family name", i.given_name AS "given name", i.study_partner_name AS "study partner name",
              i.date_of_birth_as_given AS "birth date as given", i.email AS "e-mail", i.phone AS phone,
              i.postal_address AS "postal address", i.study_partner_contact AS "study partner contact"
         FROM participant p LEFT JOIN participant_identity i ON i.participant_id = p.id`,
    );
    expect(rows).toHaveLength(PARTICIPANTS);
    const names = new Set(['family name', 'given name', 'study partner name']);
    const seen = new Set<string>();
    const values: PersonalValue[] = [];
    for (const row of rows)
      for (const [what, value] of Object.entries(row)) {
        // Shorter strings would be found by chance ("Li" in any word); none of the demo's is that short.
        if (value === null || value.length < 3) continue;
        const name = names.has(what);
        const key = `${name}:${name ? value.toLowerCase() : value}`;
        if (!seen.has(key)) values.push({ what, value, name });
        seen.add(key);
      }

    // The demo holds every kind of identifying value this looks for, so each kind is really checked.
    const kinds = new Set(values.map((value) => value.what));
    for (const kind of [
      'registry id',
      'birth date',
      'family name',
      'given name',
      'e-mail',
      'phone',
      'postal address',
    ])
      expect([kind, kinds.has(kind)]).toEqual([kind, true]);
    // The demo's referrals give the funnel tokens: they are among what is scanned.
    const tokens = answers
      .filter((answer) => answer.route.endsWith('/referral-funnel'))
      .flatMap((answer) => (JSON.parse(answer.text) as { tokens: unknown[] }).tokens);
    expect(tokens.length).toBeGreaterThan(0);
    expect(answers.flatMap((answer) => personalDataIn(answer, values, DEMO_SPONSOR_EMAIL))).toEqual([]);
  });

  it('never shows a count from 1 to k-1 in a pool, a feasibility answer or a screening run', () => {
    const k = system.config.DISCLOSURE_MIN_CELL_SIZE;
    expect(k).toBe(11);
    const counted = answers.filter((answer) => COUNT_ROUTES.has(answer.route));
    expect(new Set(counted.map((answer) => answer.route))).toEqual(COUNT_ROUTES);
    const small = counted.flatMap(({ route, path, text }) =>
      countsIn(JSON.parse(text))
        .filter((n) => n >= 1 && n < k)
        .map((n) => `${route} (${path}): ${n}`),
    );
    expect(small).toEqual([]);
    for (const { text } of counted) {
      const { disclosure } = JSON.parse(text) as { disclosure?: { minimumCellSize: number } };
      if (disclosure) expect(disclosure.minimumCellSize).toBe(k);
    }
    // At this size many cells hold 1 to 10 people: the answers must show them hidden, not shown.
    expect(counted.some(({ text }) => text.includes(`"<${k}"`))).toBe(true);
  });

  it('never shows a count from 1 to k-1 in a daily webhook report, whose tokens are scanned too', () => {
    const k = system.config.DISCLOSURE_MIN_CELL_SIZE;
    const logged = answers
      .filter((answer) => answer.route === `GET ${API}/webhook-deliveries`)
      .flatMap(
        (answer) => (JSON.parse(answer.text) as { items: { eventType: string; body: string }[] }).items,
      );
    const reported = logged
      .filter((item) => item.eventType !== 'screening_run.finished')
      .map((item) => JSON.parse(item.body) as { type: string; data: { tokens?: unknown[] } });
    expect(reported.filter((message) => message.type === 'trial.pool_changed')).toHaveLength(5);
    expect(reported.filter((message) => message.type === 'referral.outcome')).toHaveLength(5);
    expect(reported.some((message) => (message.data.tokens ?? []).length > 0)).toBe(true);
    expect(reported.flatMap((message) => countsIn(message.data).filter((n) => n >= 1 && n < k))).toEqual([]);
  });
});
