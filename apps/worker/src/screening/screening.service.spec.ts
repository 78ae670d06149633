import { ParticipantProfile, ParticipantStatus, TRIAL_TEMPLATES } from '@registry/domain';
import { FixedClock, SiteCalendar } from '@registry/platform';
import { baseProfile, withObservation } from '../../../../libs/domain/src/eligibility/test-profiles';
import {
  FakeDeterminationRepository,
  FakeScreeningRepository,
  FakeTransactions,
} from '../../../../test/fakes';
import { ScreeningService } from './screening.service';

const TOKYO = 'site-tokyo';
const BOSTON = 'site-boston';
const A4 = TRIAL_TEMPLATES.find((t) => t.key === 'a4')!;
const AHEAD = TRIAL_TEMPLATES.find((t) => t.key === 'ahead-a45')!;

// Noon in Tokyo on the day the domain's test profiles are judged on (2026-06-01).
const NOW = '2026-06-01T03:00:00Z';

// A 70-year-old with a florbetapir SUVR of 1.2, normal cognition, a study partner and recontact consent.
const eligibleFor = (participantId: string): ParticipantProfile =>
  withObservation(baseProfile({ participantId }), 'amyloid_pet.suvr', 1.2, '2026-03-01', 'florbetapir');

function setUp() {
  const determinations = new FakeDeterminationRepository();
  const reads = new FakeScreeningRepository(determinations);
  reads.timeZones.set(TOKYO, 'Asia/Tokyo');
  reads.timeZones.set(BOSTON, 'America/New_York');
  reads.trials.push(
    {
      id: 'trial-a4',
      criteriaVersion: 2,
      criteria: A4.criteria,
      siteIds: new Set([TOKYO]),
      recruiting: true,
    },
    {
      id: 'trial-ahead',
      criteriaVersion: 1,
      criteria: AHEAD.criteria,
      siteIds: new Set([BOSTON]),
      recruiting: true,
    },
  );
  const transactions = new FakeTransactions();
  const service = new ScreeningService(
    transactions,
    reads,
    determinations,
    new SiteCalendar(new FixedClock(NOW)),
  );
  const enrol = (profile: ParticipantProfile, siteId = TOKYO) => {
    reads.participants.set(profile.participantId, { profile, siteId });
    return profile.participantId;
  };
  return { service, reads, determinations, transactions, enrol };
}

describe('ScreeningService', () => {
  it('a participant screened for the first time has their determination stored with its history reasons, and is flagged eligible, under their row lock', async () => {
    const { service, reads, determinations, transactions, enrol } = setUp();
    const id = enrol(eligibleFor('TKY-000001-A'));

    const outcome = await service.screen([id]);

    expect(transactions.opened).toBe(1);
    expect(reads.locked).toEqual([id]);
    expect(determinations.determinationOf(id, 'trial-a4')).toMatchObject({
      result: 'eligible',
      criteriaVersion: 2,
      asOf: '2026-06-01',
      historyReasons: [],
    });
    expect(determinations.history).toHaveLength(1);
    expect(determinations.openFlags(id, 'trial-a4')).toEqual([
      expect.objectContaining({ kind: 'eligible', episode: 1, criteriaVersion: 2 }),
    ]);
    expect(outcome).toEqual({
      evaluated: 1,
      participantsWritten: 1,
      changed: 1,
      flagsRaised: 1,
      flagsClosed: 0,
    });
  });

  it('a participant is judged only for the trials recruiting at their site', async () => {
    const { service, determinations, enrol } = setUp();
    const id = enrol(eligibleFor('BOS-000001-A'), BOSTON);

    const outcome = await service.screen([id]);

    expect(outcome.evaluated).toBe(1);
    expect(determinations.determinationOf(id, 'trial-a4')).toBeUndefined();
    expect(determinations.determinationOf(id, 'trial-ahead')).toBeDefined();
  });

  it('screening again with nothing changed writes nothing', async () => {
    const { service, determinations, enrol } = setUp();
    const id = enrol(eligibleFor('TKY-000001-A'));
    await service.screen([id]);
    const before = { ...determinations.writes };

    const outcome = await service.screen([id]);

    expect(determinations.writes).toEqual(before);
    expect(outcome).toEqual({
      evaluated: 1,
      participantsWritten: 0,
      changed: 0,
      flagsRaised: 0,
      flagsClosed: 0,
    });
  });

  it('a changed verdict writes a new determination with the reasons in its history, and closes the flag saying why', async () => {
    const { service, reads, determinations, enrol } = setUp();
    const id = enrol(eligibleFor('TKY-000001-A'));
    await service.screen([id]);
    // A corrected birth date puts them outside A4's age band.
    reads.participants.get(id)!.profile = { ...eligibleFor(id), birthDate: '1940-01-15' };

    const outcome = await service.screen([id]);

    expect(determinations.determinationOf(id, 'trial-a4')).toMatchObject({ result: 'ineligible' });
    expect(determinations.history.at(-1)).toMatchObject({
      result: 'ineligible',
      historyReasons: ['fails: age 65-85'],
    });
    expect(determinations.flags).toEqual([
      expect.objectContaining({ kind: 'eligible', closeReason: 'no longer eligible: age 65-85' }),
    ]);
    expect(outcome).toMatchObject({ changed: 1, flagsClosed: 1, flagsRaised: 0 });
  });

  it('a participant who withdrew recontact consent has their eligible flag closed, and no new flag is raised', async () => {
    const { service, reads, determinations, enrol } = setUp();
    const id = enrol(eligibleFor('TKY-000001-A'));
    await service.screen([id]);
    reads.participants.get(id)!.profile = { ...eligibleFor(id), consentScopes: ['registry_follow_up'] };

    await service.screen([id]);

    expect(determinations.flags).toEqual([
      expect.objectContaining({ kind: 'eligible', closeReason: 'no consent to be recontacted for trials' }),
    ]);
  });

  it('a participant who withdrew from the registry is never flagged', async () => {
    const { service, determinations, enrol } = setUp();
    const id = enrol({ ...eligibleFor('TKY-000001-A'), status: ParticipantStatus.Withdrawn });

    await service.screen([id]);

    expect(determinations.determinationOf(id, 'trial-a4')).toBeDefined();
    expect(determinations.flags).toEqual([]);
  });

  it('eligibility that returns raises the flag again as its next episode', async () => {
    const { service, reads, determinations, enrol } = setUp();
    const id = enrol(eligibleFor('TKY-000001-A'));
    await service.screen([id]);
    reads.participants.get(id)!.profile = { ...eligibleFor(id), consentScopes: ['registry_follow_up'] };
    await service.screen([id]);
    reads.participants.get(id)!.profile = eligibleFor(id);

    await service.screen([id]);

    expect(determinations.flags.map((f) => [f.episode, f.closeReason === null])).toEqual([
      [1, false],
      [2, true],
    ]);
  });

  it('a cohort batch judged first locks, reads again and writes only the participants with something to write', async () => {
    const { service, reads, determinations, enrol } = setUp();
    const screened = enrol(eligibleFor('TKY-000001-A'));
    await service.screen([screened]);
    reads.locked.length = 0;
    const newcomer = enrol(eligibleFor('TKY-000002-B'));

    const outcome = await service.screen([screened, newcomer], { locking: 'judge-then-lock-writers' });

    expect(reads.locked).toEqual([newcomer]);
    expect(determinations.determinationOf(newcomer, 'trial-a4')).toBeDefined();
    // Both judged once; the newcomer's second, locked judgement is not counted again.
    expect(outcome).toMatchObject({ evaluated: 2, participantsWritten: 1, changed: 1, flagsRaised: 1 });
  });

  it('a batch prejudged with nothing to write takes no lock and writes nothing', async () => {
    const { service, reads, determinations, enrol } = setUp();
    const id = enrol(eligibleFor('TKY-000001-A'));
    await service.screen([id]);
    reads.locked.length = 0;
    const before = { ...determinations.writes };
    const trials = await service.recruitingTrials();
    const timeZones = new Map([[TOKYO, 'Asia/Tokyo']]);
    const batch = await service.loadCohortBatch(
      trials,
      timeZones,
      { after: null, limit: 10 },
      'judge-then-lock-writers',
    );
    const prejudged = service.prejudge(batch.inputs!, trials);

    const outcome = await service.screen([id], { trials, locking: 'judge-then-lock-writers', prejudged });

    expect(reads.locked).toEqual([]);
    expect(determinations.writes).toEqual(before);
    expect(outcome).toEqual({
      evaluated: 1,
      participantsWritten: 0,
      changed: 0,
      flagsRaised: 0,
      flagsClosed: 0,
    });
  });

  it('refuses a prejudged batch that is to be locked first', async () => {
    const { service } = setUp();
    const trials = await service.recruitingTrials();
    const prejudged = service.prejudge([], trials);

    await expect(service.screen(['TKY-000001-A'], { trials, prejudged })).rejects.toThrow(
      'a prejudged batch is screened judge-then-lock-writers',
    );
  });

  it('with no recruiting trial, screens no one and writes nothing', async () => {
    const { service, reads, determinations, enrol } = setUp();
    reads.trials.forEach((trial) => (trial.recruiting = false));
    const id = enrol(eligibleFor('TKY-000001-A'));

    const outcome = await service.screen([id]);

    expect(outcome.evaluated).toBe(0);
    expect(determinations.writes).toEqual({ closeFlags: 0, raiseFlags: 0, storeDeterminations: 0 });
  });

  it('a participant’s own screening stores the first day time alone could change each determination: for A4, when her cognitive tests and MRI of 2026-05-01 leave their 90-day window', async () => {
    const { service, determinations, enrol } = setUp();
    const id = enrol(eligibleFor('TKY-000001-A'));

    await service.screen([id]);

    expect(determinations.determinationOf(id, 'trial-a4')).toMatchObject({
      result: 'eligible',
      changesWithTimeOn: '2026-07-31',
    });
  });

  it('a new visit that leaves her eligible moves her day by her own screening, while a cohort batch leaves it to that', async () => {
    const { service, reads, determinations, enrol } = setUp();
    const id = enrol(eligibleFor('TKY-000001-A'));
    await service.screen([id]);
    const seenAgain = eligibleFor(id);
    for (const observation of Object.values(seenAgain.observations)) observation.date = '2026-05-20';
    reads.participants.get(id)!.profile = seenAgain;
    const before = { ...determinations.writes };

    const trials = await service.recruitingTrials();
    const batch = await service.loadCohortBatch(
      trials,
      new Map([[TOKYO, 'Asia/Tokyo']]),
      { after: null, limit: 10 },
      'judge-then-lock-writers',
    );
    const prejudged = service.prejudge(batch.inputs!, trials);
    await service.screen([id], { trials, locking: 'judge-then-lock-writers', prejudged });
    expect(determinations.writes).toEqual(before);

    const outcome = await service.screen([id]);

    expect(determinations.determinationOf(id, 'trial-a4')).toMatchObject({
      result: 'eligible',
      changesWithTimeOn: '2026-08-19',
      historyReasons: null,
    });
    expect(determinations.history).toHaveLength(1);
    expect(outcome).toEqual({
      evaluated: 1,
      participantsWritten: 1,
      changed: 1,
      flagsRaised: 0,
      flagsClosed: 0,
    });
  });

  it('refuses a prejudged batch said to follow a data change: the unlocked pass did not work the days out', async () => {
    const { service } = setUp();
    const trials = await service.recruitingTrials();
    const prejudged = service.prejudge([], trials);

    await expect(
      service.screen(['TKY-000001-A'], {
        trials,
        locking: 'judge-then-lock-writers',
        prejudged,
        dataChanged: true,
      }),
    ).rejects.toThrow('as a cohort run');
  });
});
