import { TRIAL_TEMPLATES } from '@registry/domain';
import { DeterminationRepository, ScreeningRepository, TypeOrmTransactions } from '@registry/persistence';
import { SiteCalendar, SystemClock } from '@registry/platform';
import { Client } from 'pg';
import { ScreeningService } from '../../apps/worker/src/screening/screening.service';
import { createConsentDocument, enrolConsentedParticipant, tokyoToday } from '../support/cohort-fixture';
import { createTestSystem, startApi, TestApi, TestSystem } from '../support/harness';
import { createIdentityFixture, identityEnv, IdentityFixture } from '../support/identity-fixture';
import { createRecruitingTrial } from '../support/trial-fixture';

const TB3 = TRIAL_TEMPLATES.find((t) => t.key === 'trailblazer-alz-3')!;

/** Settles with the promise's outcome, or 'pending' if it has not settled within `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<'pending'>((resolve) => (timer = setTimeout(() => resolve('pending'), ms)));
  try {
    return await Promise.race([promise, pending]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * How screening takes participants' row locks. A single participant's screening locks them before reading;
 * a cohort run's batch (`judge-then-lock-writers`) evaluates without locks and locks, reads again and evaluates again
 * only the participants it has something to write for. Another connection holds a participant's row lock
 * here, as a coordinator's visit (or another worker) would.
 */
describe('screening row locks', () => {
  let system: TestSystem;
  let api: TestApi;
  let f: IdentityFixture;
  let participantId: string;
  let screening: ScreeningService;
  let other: Client;

  const stored = async () =>
    (
      await api.dataSource.query<{ result: string; one_test_away: string | null }[]>(
        `SELECT result, one_test_away FROM eligibility_determination WHERE participant_id = $1`,
        [participantId],
      )
    )[0];

  beforeAll(async () => {
    system = await createTestSystem(identityEnv);
    api = await startApi(system.config);
    // No worker: nothing screens in the background while a lock is held here.
    screening = new ScreeningService(
      new TypeOrmTransactions(api.dataSource),
      new ScreeningRepository(),
      new DeterminationRepository(),
      new SiteCalendar(new SystemClock()),
    );
    f = await createIdentityFixture(api);
    participantId = await enrolConsentedParticipant(api, f, await createConsentDocument(api, f.admin));
    await api
      .http()
      .post(`/api/v1/participants/${participantId}/status`)
      .set(f.coordinatorTokyo.auth)
      .send({ to: 'enrolled', effectiveDate: tokyoToday(), reason: 'Followed in the registry' })
      .expect(200);
    await createRecruitingTrial(api, { sponsor: f.sponsorAlpha, admin: f.admin }, TB3, [f.sites.tokyo]);
    await screening.screen([participantId]);
    other = new Client({ connectionString: system.config.DATABASE_URL });
    await other.connect();
  });

  afterAll(async () => {
    await other?.end();
    await api?.close();
    await system?.shutdown();
  });

  it('a cohort batch neither waits on nor locks a participant it has nothing to write for', async () => {
    expect(await stored()).toEqual({ result: 'undetermined', one_test_away: 'plasma' });
    await other.query('BEGIN');
    await other.query('SELECT 1 FROM participant WHERE id = $1 FOR UPDATE', [participantId]);
    try {
      const cohortBatch = await within(
        screening.screen([participantId], { locking: 'judge-then-lock-writers' }),
        5000,
      );
      expect(cohortBatch).toEqual({
        evaluated: 1,
        participantsWritten: 0,
        changed: 0,
        flagsRaised: 0,
        flagsClosed: 0,
      });
      // A single participant's screening, by contrast, waits for the lock.
      const single = screening.screen([participantId]);
      expect(await within(single, 500)).toBe('pending');
      await other.query('ROLLBACK');
      expect(await within(single, 5000)).toMatchObject({ evaluated: 1, changed: 0 });
    } finally {
      await other.query('ROLLBACK');
    }
  });

  it('locks a participant it has something to write for, and writes what it reads once it holds the lock', async () => {
    // Nothing stored: the batch has a determination to write for this participant.
    await api.dataSource.query(`DELETE FROM eligibility_determination WHERE participant_id = $1`, [
      participantId,
    ]);
    // Another transaction holds the row and makes the participant too young for TRAILBLAZER-ALZ 3 (55-80).
    await other.query('BEGIN');
    await other.query(`UPDATE participant SET birth_date = '2000-01-01' WHERE id = $1`, [participantId]);
    try {
      const cohortBatch = screening.screen([participantId], { locking: 'judge-then-lock-writers' });
      expect(await within(cohortBatch, 500)).toBe('pending');
      await other.query('COMMIT');
      expect(await within(cohortBatch, 5000)).toMatchObject({
        evaluated: 1,
        participantsWritten: 1,
        changed: 1,
      });
    } finally {
      await other.query('ROLLBACK');
    }
    // Evaluated first on the data before the change (one test away), but written from the data read under
    // the lock: ineligible.
    expect(await stored()).toEqual({ result: 'ineligible', one_test_away: null });
  });
});
