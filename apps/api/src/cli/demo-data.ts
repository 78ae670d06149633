import { Role, TRIAL_TEMPLATES, TrialTemplate } from '@registry/domain';
import { REDACTED, ScreeningRunRepository } from '@registry/persistence';
import * as argon2 from 'argon2';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * The demo's fixed parts, shared by the seed CLI and the benchmarks: sites in four time zones, users of
 * every role (one password for all, generated per installation: see demo-logins.ts), and a sponsor with the
 * example trials recruiting.
 */
export const DEMO_SITES = [
  { code: 'TKY', name: 'Tokyo Memory Clinic', country: 'JP', timeZone: 'Asia/Tokyo' },
  { code: 'OSA', name: 'Osaka Brain Health Centre', country: 'JP', timeZone: 'Asia/Tokyo' },
  { code: 'BOS', name: 'Boston Prevention Unit', country: 'US', timeZone: 'America/New_York' },
  { code: 'LDN', name: 'London Memory Research', country: 'GB', timeZone: 'Europe/London' },
];
export const DEMO_USERS = [
  { email: 'admin@demo.trialready.example', role: Role.Admin, name: 'Demo Admin', sites: [] as string[] },
  {
    email: 'coordinator.tky@demo.trialready.example',
    role: Role.Coordinator,
    name: 'Tokyo Coordinator',
    sites: ['TKY'],
  },
  {
    email: 'coordinator.bos@demo.trialready.example',
    role: Role.Coordinator,
    name: 'Boston Coordinator',
    sites: ['BOS'],
  },
  {
    email: 'monitor.tky@demo.trialready.example',
    role: Role.Monitor,
    name: 'Tokyo Monitor',
    sites: ['TKY', 'OSA'],
  },
  { email: 'sponsor@demo-pharma.example', role: Role.Sponsor, name: 'Demo Pharma', sites: [] as string[] },
];

export interface DemoPasswordOptions {
  /** The password of demo users created now. */
  password: string;
  /**
   * Also give demo users that exist already this password (their sessions end, their lock is lifted): for a
   * password generated anew, which nobody knows yet, when the one they had is lost or was published.
   */
  resetExistingPasswords: boolean;
}

/** Sites in four time zones, the demo sponsor organisation and one user of each role; idempotent. */
export async function ensureDemoIdentity(
  dataSource: DataSource,
  { password, resetExistingPasswords }: DemoPasswordOptions,
): Promise<{ siteIds: string[]; sponsorId: string; ownerId: string }> {
  for (const site of DEMO_SITES) {
    await dataSource.query(
      `INSERT INTO site (code, name, country, time_zone) VALUES ($1, $2, $3, $4) ON CONFLICT (code) DO NOTHING`,
      [site.code, site.name, site.country, site.timeZone],
    );
  }
  const sites = await dataSource.query<{ id: string; code: string }[]>(
    `SELECT id, code FROM site WHERE code = ANY($1)`,
    [DEMO_SITES.map((s) => s.code)],
  );
  const siteId = (code: string) => sites.find((s) => s.code === code)!.id;
  await dataSource.query(
    `INSERT INTO sponsor_organisation (name) VALUES ('Demo Pharma') ON CONFLICT (name) DO NOTHING`,
  );
  const [{ id: sponsorId }] = await dataSource.query<{ id: string }[]>(
    `SELECT id FROM sponsor_organisation WHERE name = 'Demo Pharma'`,
  );
  const hash = await argon2.hash(password, {
    type: argon2.argon2id,
    memoryCost: 19 * 1024,
    timeCost: 2,
    parallelism: 1,
  });
  for (const user of DEMO_USERS) {
    await dataSource.transaction(async (manager) => {
      const [created] = await manager.query<{ id: string }[]>(
        `INSERT INTO app_user (email, display_name, role, password_hash, sponsor_organisation_id) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (lower(email)) DO NOTHING RETURNING id`,
        [user.email, user.name, user.role, hash, user.role === Role.Sponsor ? sponsorId : null],
      );
      if (!created) {
        if (resetExistingPasswords) await resetDemoPassword(manager, user.email, hash);
        return;
      }
      for (const code of user.sites)
        await manager.query(`INSERT INTO user_site (user_id, site_id) VALUES ($1, $2)`, [
          created.id,
          siteId(code),
        ]);
      await manager.query(
        `INSERT INTO audit_event (actor_user_id, actor_role, action, entity_type, entity_id, changes, reason)
         VALUES (NULL, 'system', 'user.created', 'user', $1, $2::jsonb, 'demo data')`,
        [
          created.id,
          JSON.stringify([
            { field: 'email', old: null, new: user.email },
            { field: 'role', old: null, new: user.role },
          ]),
        ],
      );
    });
  }
  const [{ id: ownerId }] = await dataSource.query<{ id: string }[]>(
    `SELECT id FROM app_user WHERE email = 'sponsor@demo-pharma.example'`,
  );
  return { siteIds: sites.map((s) => s.id), sponsorId, ownerId };
}

/** Gives an existing demo user a new password hash, ends their sessions and lifts any lock; audited. */
async function resetDemoPassword(manager: EntityManager, email: string, hash: string): Promise<void> {
  // UPDATE ... RETURNING comes back from TypeORM as [rows, affected count].
  const [[user]] = await manager.query<[{ id: string }[], number]>(
    `UPDATE app_user SET password_hash = $2, failed_login_count = 0, locked_until = NULL, updated_at = now()
      WHERE lower(email) = lower($1) RETURNING id`,
    [email, hash],
  );
  if (!user) return;
  await manager.query(
    `UPDATE refresh_token SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`,
    [user.id],
  );
  await manager.query(
    `INSERT INTO audit_event (actor_user_id, actor_role, action, entity_type, entity_id, changes, reason)
     VALUES (NULL, 'system', 'user.password_reset', 'user', $1, $2::jsonb, $3)`,
    [
      user.id,
      JSON.stringify([{ field: 'password', old: REDACTED, new: REDACTED }]),
      'demo data: a new demo password was generated for this installation',
    ],
  );
}

/**
 * Recruiting trials of the demo sponsor at the given sites, one per template, skipping titles that exist.
 * Each gets a screening run announced through the outbox, so a running worker screens the cohort for it;
 * `startScreening: false` leaves that to the caller (benchmarks start their own runs).
 */
export async function ensureDemoTrials(
  dataSource: DataSource,
  siteIds: string[],
  sponsorId: string,
  ownerId: string,
  templates: readonly TrialTemplate[] = TRIAL_TEMPLATES,
  { startScreening = true } = {},
): Promise<void> {
  for (const template of templates) {
    await dataSource.transaction(async (manager) => {
      const [exists] = await manager.query<{ id: string }[]>(
        `SELECT id FROM trial WHERE sponsor_organisation_id = $1 AND title = $2`,
        [sponsorId, template.title],
      );
      if (exists) return;
      const [trial] = await manager.query<{ id: string }[]>(
        `INSERT INTO trial (sponsor_organisation_id, title, registry_number, phase, status, target_enrolment, criteria_version)
         VALUES ($1, $2, $3, $4, 'recruiting', 1000, 1) RETURNING id`,
        [sponsorId, template.title, template.registryNumber, template.phase],
      );
      await manager.query(
        `INSERT INTO trial_criteria_version (trial_id, version, document, created_by) VALUES ($1, 1, $2::jsonb, $3)`,
        [trial.id, JSON.stringify(template.criteria), ownerId],
      );
      for (const siteId of siteIds)
        await manager.query(`INSERT INTO trial_site (trial_id, site_id) VALUES ($1, $2)`, [trial.id, siteId]);
      await manager.query(
        `INSERT INTO audit_event (actor_user_id, actor_role, action, entity_type, entity_id, changes, reason)
         VALUES (NULL, 'system', 'trial.created', 'trial', $1, $2::jsonb, 'demo data')`,
        [trial.id, JSON.stringify([{ field: 'template', old: null, new: template.key }])],
      );
      if (!startScreening) return;
      await new ScreeningRunRepository().start(manager, [{ id: trial.id, criteriaVersion: 1 }], 'demo_seed');
    });
  }
}
