import 'reflect-metadata';
import { Environment, generateSecret, loadConfig, SECRET_VARIABLES } from '@registry/config';
import { Criterion, dayBegunEverywhere, TRIAL_TEMPLATES, TrialTemplate } from '@registry/domain';
import { ensureAppRole, migrationDataSourceOptions, runMigrationsLocked } from '@registry/persistence';
import { cpus, totalmem } from 'node:os';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ensureDemoIdentity, ensureDemoTrials } from '../../../apps/api/src/cli/demo-data';
import { generateDemoPassword } from '../../../apps/api/src/cli/demo-logins';
import { writeSyntheticCohort } from '../../../apps/api/src/cli/seed-writer';

/** `--name value` from the command line. */
export function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] ? process.argv[index + 1] : fallback;
}

/** What the figures were measured on; every benchmark prints it first. */
export async function describeMachine(dataSource: DataSource): Promise<string> {
  const [{ version }] = await dataSource.query<{ version: string }[]>(
    `SELECT current_setting('server_version') AS version`,
  );
  const cpu = cpus();
  return [
    `machine: ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
    `node ${process.version}, PostgreSQL ${version}, ${new Date().toISOString()}`,
  ].join('\n');
}

/** Replaces the age band (the `age` leaves with both ends): the same trial design for other ages. */
export function withAgeRange(criterion: Criterion, min: number, max: number): Criterion {
  switch (criterion.type) {
    case 'age':
      return criterion.min !== undefined && criterion.max !== undefined
        ? { type: 'age', min, max }
        : criterion;
    case 'all':
    case 'any':
      return { ...criterion, of: criterion.of.map((c) => withAgeRange(c, min, max)) };
    case 'not':
      return { ...criterion, of: withAgeRange(criterion.of, min, max) };
    default:
      return criterion;
  }
}

/**
 * Ten recruiting trials: the four real-trial templates and six variants of them in other age bands, as a
 * sponsor running several programmes would define them.
 */
export const BENCH_AGE_BANDS = [
  ['a4', 65, 85],
  ['ahead-a3', 55, 80],
  ['ahead-a45', 55, 80],
  ['trailblazer-alz-3', 55, 80],
  ['a4', 60, 80],
  ['a4', 70, 90],
  ['ahead-a45', 60, 75],
  ['ahead-a3', 58, 70],
  ['trailblazer-alz-3', 60, 85],
  ['trailblazer-alz-3', 55, 70],
] as const;

export const BENCH_TRIALS: readonly TrialTemplate[] = [
  ...TRIAL_TEMPLATES,
  ...BENCH_AGE_BANDS.slice(TRIAL_TEMPLATES.length).map(([key, min, max]) => {
    const template = TRIAL_TEMPLATES.find((t) => t.key === key)!;
    return {
      ...template,
      key: `${key}-age-${min}-${max}`,
      title: `${template.title} (ages ${min}-${max})`,
      criteria: { ...template.criteria, criteria: withAgeRange(template.criteria.criteria, min, max) },
    };
  }),
];

export interface BenchCohort {
  config: Environment;
  dataSource: DataSource;
  databaseName: string;
  siteIds: string[];
  /** In the order of BENCH_TRIALS (and BENCH_AGE_BANDS). */
  trialIds: string[];
  participants: number;
  /** The demo users' password for this run (generated at start; see openBenchCohort). */
  demoPassword: string;
}

/**
 * The apps have no default secret: a benchmark generates its own at start for each secret the environment
 * does not set (a .env sourced into the shell keeps its values), and the apps it starts inherit them.
 */
function supplyBenchSecrets(): void {
  for (const name of SECRET_VARIABLES) {
    if (!process.env[name]) process.env[name] = generateSecret();
  }
}

async function ensureDatabase(config: Environment, name: string): Promise<void> {
  const url = new URL(config.MIGRATION_DATABASE_URL);
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const exists = await client.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}

/**
 * A database of its own per cohort size (`trialready_bench_<N>`, or BENCH_DATABASE), migrated, with the demo
 * sites and users, `participants` synthetic participants with five years of history (written once and kept:
 * seeding 100,000 takes minutes) and the ten benchmark trials recruiting at every site.
 */
export async function openBenchCohort(participants: number): Promise<BenchCohort> {
  supplyBenchSecrets();
  const base = loadConfig(process.env);
  const databaseName = process.env.BENCH_DATABASE ?? `trialready_bench_${participants}`;
  await ensureDatabase(base, databaseName);
  const inDatabase = (serverUrl: string) => {
    const url = new URL(serverUrl);
    url.pathname = `/${databaseName}`;
    return url.toString();
  };
  // The apps under measurement connect as the app role; migrations and the seed as the owner.
  await ensureAppRole(inDatabase(base.MIGRATION_DATABASE_URL), base.DATABASE_URL);
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: inDatabase(base.DATABASE_URL),
    MIGRATION_DATABASE_URL: inDatabase(base.MIGRATION_DATABASE_URL),
    LOG_LEVEL: 'warn',
    // The load comes from one address and a few users: the per-IP and per-user limits would refuse it.
    RATE_LIMIT_PER_IP_PER_MINUTE: '1000000',
    RATE_LIMIT_PER_USER_PER_MINUTE: '1000000',
  });
  const dataSource = new DataSource(migrationDataSourceOptions(config, 'trialready-bench'));
  await dataSource.initialize();
  await runMigrationsLocked(dataSource);
  // A new demo password each run, given to the kept database's users too: no password outlives the run.
  const demoPassword = generateDemoPassword();
  const { siteIds, sponsorId, ownerId } = await ensureDemoIdentity(dataSource, {
    password: demoPassword,
    resetExistingPasswords: true,
  });
  const [{ count }] = await dataSource.query<{ count: number }[]>(
    `SELECT count(*)::int AS count FROM participant`,
  );
  if (count < participants) {
    const started = Date.now();
    console.log(`seeding ${participants - count} participants into ${databaseName} (kept for later runs)...`);
    await writeSyntheticCohort(dataSource, {
      participants: participants - count,
      seed: 42 + count,
      siteIds,
      // Not UTC's day: between 00:00 and 05:00 UTC that is tomorrow in Boston, and screening rightly does not
      // count a result dated after the site's today (the SQL floor, which reads only the latest, would).
      today: dayBegunEverywhere(new Date()),
      historyYears: 5,
      fingerprintKey: config.IDENTITY_FINGERPRINT_KEY,
      onProgress: (written) => {
        if (written % 50000 === 0) console.log(`  ${written} written`);
      },
    });
    console.log(`seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  await ensureDemoTrials(dataSource, siteIds, sponsorId, ownerId, BENCH_TRIALS, { startScreening: false });
  const trials = await dataSource.query<{ id: string; title: string }[]>(
    `SELECT id, title FROM trial WHERE sponsor_organisation_id = $1 AND title = ANY($2::text[])`,
    [sponsorId, BENCH_TRIALS.map((t) => t.title)],
  );
  const idOf = new Map(trials.map((t) => [t.title, t.id]));
  return {
    config,
    dataSource,
    databaseName,
    siteIds,
    trialIds: BENCH_TRIALS.map((t) => idOf.get(t.title)!),
    participants: Math.max(count, participants),
    demoPassword,
  };
}

/** Percentile (nearest rank) of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
