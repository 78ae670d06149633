import { TRIAL_TEMPLATES } from '@registry/domain';
import { migrationDataSourceOptions } from '@registry/persistence';
import { DataSource } from 'typeorm';
import { ensureDemoIdentity, ensureDemoTrials } from '../../apps/api/src/cli/demo-data';
import { writeSyntheticCohort } from '../../apps/api/src/cli/seed-writer';
import type { TestSystem } from './harness';

/** What to generate: how many participants, from which seed, with how many years of history before `today`. */
export interface SyntheticCohort {
  participants: number;
  seed: number;
  today: string;
  historyYears: number;
}

/**
 * Writes the demo sites and sponsor, a synthetic cohort at those sites and the benchmark trials (not yet
 * screened) into the test system's database, as its owner. Returns the owner's connection, named `name`,
 * for the caller to use (vacuum, criteria versions) and destroy.
 */
export async function writeTrialCohort(
  system: TestSystem,
  name: string,
  cohort: SyntheticCohort,
): Promise<DataSource> {
  const owner = new DataSource(
    migrationDataSourceOptions({ ...system.config, MIGRATION_DATABASE_URL: system.database.ownerUrl }, name),
  );
  await owner.initialize();
  try {
    const { siteIds, sponsorId, ownerId } = await ensureDemoIdentity(owner, {
      password: `${name}-password`,
      resetExistingPasswords: false,
    });
    await writeSyntheticCohort(owner, {
      ...cohort,
      siteIds,
      fingerprintKey: system.config.IDENTITY_FINGERPRINT_KEY,
    });
    await ensureDemoTrials(owner, siteIds, sponsorId, ownerId, TRIAL_TEMPLATES, { startScreening: false });
  } catch (error) {
    await owner.destroy();
    throw error;
  }
  return owner;
}

/** Every participant's id, in id order. */
export async function cohortParticipantIds(dataSource: DataSource): Promise<string[]> {
  const rows = await dataSource.query<{ id: string }[]>(`SELECT id FROM participant ORDER BY id`);
  return rows.map((row) => row.id);
}
