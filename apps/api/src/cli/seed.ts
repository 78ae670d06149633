import 'reflect-metadata';
import { loadConfig } from '@registry/config';
import { ensureAppRole, migrationDataSourceOptions, runMigrationsLocked } from '@registry/persistence';
import { dayBegunEverywhere } from '@registry/domain';
import { SystemClock } from '@registry/platform';
import { DataSource } from 'typeorm';
import { ensureDemoTrials } from './demo-data';
import { ensureDemoReferrals } from './demo-referrals';
import { DEMO_LOGINS_FILE, ensureDemoIdentityWithLogins } from './demo-logins';
import { writeSyntheticCohort } from './seed-writer';

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

/**
 * `npm run seed -- --participants 100000 --seed 42`: adds a synthetic cohort (for benchmarks).
 * `npm run seed -- --demo`: the demo that `npm run up` loads: sites in four time zones, users of every role,
 * a sponsor with the four example trials recruiting, and about 2,000 participants with five years of
 * history. Running the demo again changes nothing.
 * The demo users' password is generated on the first run and written only to .run/demo-logins.txt (mode
 * 0600); later runs read it back. If that file is gone (or predates generated passwords), a new password is
 * generated, given to the demo users that exist, and written to the file.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const demo = process.argv.includes('--demo');
  const participants = Number(argument('participants') ?? (demo ? 2000 : NaN));
  const seed = Number(argument('seed') ?? 42);
  if (!Number.isInteger(participants) || participants < 0 || participants > 5_000_000) {
    throw new Error('usage: seed --demo | seed --participants N [--seed S]   (N from 0 to 5,000,000)');
  }
  // As the owner: it migrates first, and loads data no app route could (users with set passwords, a cohort).
  const dataSource = new DataSource(migrationDataSourceOptions(config, 'trialready-seed'));
  await dataSource.initialize();
  try {
    await ensureAppRole(config.MIGRATION_DATABASE_URL, config.DATABASE_URL);
    await runMigrationsLocked(dataSource);
    const { siteIds, sponsorId, ownerId, passwordGenerated } = await ensureDemoIdentityWithLogins(dataSource);
    console.log(
      passwordGenerated
        ? `generated this installation's demo password (no earlier one in ${DEMO_LOGINS_FILE}); written there`
        : `demo log-ins kept in ${DEMO_LOGINS_FILE}`,
    );
    const [{ count }] = await dataSource.query<{ count: number }[]>(
      `SELECT count(*)::int AS count FROM participant WHERE site_id = ANY($1::uuid[])`,
      [siteIds],
    );
    const toWrite = demo ? Math.max(0, participants - count) : participants;
    const started = Date.now();
    if (toWrite > 0) {
      // The demo's history ends on the latest day begun at every site (no result dated after a site's today).
      const today = dayBegunEverywhere(new SystemClock().now());
      const totals = await writeSyntheticCohort(dataSource, {
        participants: toWrite,
        seed: seed + count,
        siteIds,
        today,
        historyYears: 5,
        fingerprintKey: config.IDENTITY_FINGERPRINT_KEY,
        onProgress: (written) => {
          if (written % 10000 === 0 || written === toWrite)
            console.log(`  ${written} / ${toWrite} participants`);
        },
      });
      console.log(
        `wrote ${totals.participants} participants, ${totals.visits} visits, ${totals.assessments} assessments in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    } else {
      console.log(`demo cohort already present (${count} participants): nothing written`);
    }
    if (demo) {
      await ensureDemoTrials(dataSource, siteIds, sponsorId, ownerId);
      const referrals = await ensureDemoReferrals(dataSource, sponsorId, new SystemClock().now());
      if (referrals > 0) console.log(`wrote ${referrals} demo referrals (every state, every site)`);
    }
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
