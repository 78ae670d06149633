import { ParticipantStatus, TRIAL_TEMPLATES } from '@registry/domain';
import { FixedClock } from '@registry/platform';
import {
  admin,
  coordinatorAt,
  FAKE_TX,
  FakeAuditRepository,
  FakeFlagRepository,
  FakeParticipantRepository,
  FakeScreeningRunRepository,
  FakeSiteRepository,
  FakeTransactions,
  FakeTrialRepository,
  monitorAt,
  refusal,
  sponsorOf,
} from '../../../../test/fakes';
import type { ReferralRepository } from '@registry/persistence';
import type { CreateTrialDto } from './trial.dto';
import { TrialsService } from './trials.service';

const TOKYO = 'site-tokyo';
const BOSTON = 'site-boston';
const OSAKA = 'site-osaka';
const LILLY = 'org-lilly';
const EISAI = 'org-eisai';
const A4 = TRIAL_TEMPLATES.find((template) => template.key === 'a4')!.criteria as unknown as Record<
  string,
  unknown
>;
const AHEAD = TRIAL_TEMPLATES.find((template) => template.key !== 'a4')!.criteria as unknown as Record<
  string,
  unknown
>;
const NOW = '2026-12-01T09:30:00Z';

function setUp() {
  const sites = new FakeSiteRepository();
  sites.timeZones.set(TOKYO, 'Asia/Tokyo');
  sites.timeZones.set(BOSTON, 'America/New_York');
  sites.timeZones.set(OSAKA, 'Asia/Tokyo');
  sites.inactive.add(OSAKA);
  const trials = new FakeTrialRepository();
  const flags = new FakeFlagRepository();
  const runs = new FakeScreeningRunRepository();
  const audit = new FakeAuditRepository();
  const transactions = new FakeTransactions();
  // Only closing a trial touches referrals: this records which trials had theirs closed, and why.
  const referralsClosed: [string, string][] = [];
  const participants = new FakeParticipantRepository();
  // The participants whose open referrals the closing ends (set by a test).
  const referredIds: string[] = [];
  const referrals = {
    closeOpenOfTrial: (_tx: unknown, trialId: string, reason: string) => {
      referralsClosed.push([trialId, reason]);
      return Promise.resolve({ requests: 1, contacts: 2, participantIds: referredIds });
    },
  } as unknown as ReferralRepository;
  const service = new TrialsService(
    transactions,
    trials,
    sites,
    flags,
    runs,
    audit,
    new FixedClock(NOW),
    referrals,
    participants,
  );
  return { service, trials, flags, runs, audit, transactions, referralsClosed, participants, referredIds };
}

const a4Trial = (fields: Partial<CreateTrialDto> = {}): CreateTrialDto => ({
  title: 'A4',
  registryNumber: 'NCT02008357',
  phase: '3',
  status: 'draft',
  siteIds: [TOKYO, BOSTON],
  targetEnrolment: 1150,
  criteria: A4,
  ...fields,
});

/** A trial of Lilly's that Tokyo has accepted, recruiting unless said otherwise; the audit trail emptied. */
async function trialAtTokyo(
  setup: ReturnType<typeof setUp>,
  status: CreateTrialDto['status'] = 'recruiting',
) {
  const trial = await setup.service.create(sponsorOf(LILLY), a4Trial({ status }));
  await setup.service.decideSite(coordinatorAt(TOKYO), trial.id, TOKYO, 'accepted');
  setup.audit.entries.length = 0;
  setup.runs.started.length = 0;
  return trial;
}

describe('TrialsService', () => {
  describe('creating a trial', () => {
    it("stores it for the sponsor's organisation, proposed to each site but taken part in by none, with criteria version 1, and audits it", async () => {
      const { service, trials, audit, runs } = setUp();
      const trial = await service.create(sponsorOf(LILLY), a4Trial({ status: 'recruiting' }));

      expect(trial).toMatchObject({ sponsorOrganisationId: LILLY, criteriaVersion: 1, sites: [] });
      expect(trial.siteProposals!.map((p) => [p.siteId, p.state, p.proposedBy]).sort()).toEqual([
        [BOSTON, 'proposed', `sponsor-${LILLY}`],
        [TOKYO, 'proposed', `sponsor-${LILLY}`],
      ]);
      expect(trials.siteIdsOf(trial.id)).toEqual([]);
      await expect(trials.criteriaDocument(FAKE_TX, trial.id, 1)).resolves.toEqual(A4);
      const entry = audit.only('trial.created');
      expect(entry.entityId).toBe(trial.id);
      expect(entry.changes).toContainEqual({ field: 'proposedSiteIds', old: null, new: [TOKYO, BOSTON] });
      expect(entry.changes).toContainEqual({ field: 'criteria', old: null, new: A4 });
      // Nobody takes part yet, so even a recruiting trial has no one to screen.
      expect(runs.started).toEqual([]);
    });

    it('refuses a criteria document that does not validate with 400 naming the criteria path, and writes nothing', async () => {
      const { service, trials, audit, transactions } = setUp();
      const error = await refusal(
        service.create(
          sponsorOf(LILLY),
          a4Trial({ criteria: { language: 1, criteria: { type: 'age', min: 'sixty' } } }),
        ),
      );
      expect(error.code).toBe('criteria.invalid');
      expect(error.details?.length).toBeGreaterThan(0);
      expect(error.details?.every((detail) => detail.field.startsWith('criteria'))).toBe(true);
      expect(transactions.opened).toBe(0);
      expect(trials.trials.size).toBe(0);
      expect(audit.entries).toEqual([]);
    });

    it.each([
      ['an inactive site', OSAKA],
      ['an unknown site', 'site-nowhere'],
    ])('refuses %s with 400 naming siteIds, and writes nothing', async (_, siteId) => {
      const { service, trials, audit } = setUp();
      const error = await refusal(service.create(sponsorOf(LILLY), a4Trial({ siteIds: [TOKYO, siteId] })));
      expect(error.details).toEqual([expect.objectContaining({ field: 'siteIds', constraint: 'exists' })]);
      expect(trials.trials.size).toBe(0);
      expect(trials.proposals).toEqual([]);
      expect(audit.entries).toEqual([]);
    });
  });

  describe('who sees which trials', () => {
    it("shows a sponsor its organisation's trials only, and answers not found for another sponsor's", async () => {
      const { service } = setUp();
      const lillys = await service.create(sponsorOf(LILLY), a4Trial());
      const eisais = await service.create(sponsorOf(EISAI), a4Trial({ title: 'AHEAD', criteria: AHEAD }));

      expect((await service.list(sponsorOf(LILLY))).map((t) => t.id)).toEqual([lillys.id]);
      expect((await refusal(service.get(sponsorOf(LILLY), eisais.id))).code).toBe('not_found');
    });

    it('shows coordinators and monitors the trials their sites take part in, not those merely proposed to them', async () => {
      const { service } = setUp();
      const accepted = await service.create(sponsorOf(LILLY), a4Trial({ siteIds: [TOKYO] }));
      await service.create(sponsorOf(EISAI), a4Trial({ title: 'AHEAD', siteIds: [TOKYO], criteria: AHEAD }));
      await service.decideSite(coordinatorAt(TOKYO), accepted.id, TOKYO, 'accepted');

      expect((await service.list(coordinatorAt(TOKYO))).map((t) => t.id)).toEqual([accepted.id]);
      expect((await service.list(monitorAt(TOKYO))).map((t) => t.id)).toEqual([accepted.id]);
      expect(await service.list(coordinatorAt(BOSTON))).toEqual([]);
      expect((await service.list(admin())).map((t) => t.title)).toEqual(['A4', 'AHEAD']);
    });
  });

  describe('updating a trial', () => {
    it('starts screening its cohort when it begins recruiting, and audits what changed', async () => {
      const setup = setUp();
      const trial = await trialAtTokyo(setup, 'draft');
      const updated = await setup.service.update(sponsorOf(LILLY), trial.id, { status: 'recruiting' });

      expect(updated.status).toBe('recruiting');
      expect(setup.trials.trials.get(trial.id)!.status).toBe('recruiting');
      expect(setup.trials.locked).toContain(trial.id);
      expect(setup.audit.only('trial.updated').changes).toEqual([
        { field: 'status', old: 'draft', new: 'recruiting' },
      ]);
      expect(setup.runs.started.map((run) => [run.trial.id, run.cause])).toEqual([
        [trial.id, 'recruiting_started'],
      ]);
    });

    it('closes every open flag when the trial closes, and audits how many', async () => {
      const setup = setUp();
      const trial = await trialAtTokyo(setup);
      setup.flags.add({ participantId: 'TKY-000001-A', siteId: TOKYO, trialId: trial.id });
      setup.flags.add({
        participantId: 'TKY-000002-B',
        siteId: TOKYO,
        trialId: trial.id,
        kind: 'one_test_away',
      });
      await setup.service.update(sponsorOf(LILLY), trial.id, { status: 'closed' });

      expect(setup.flags.flags.map((flag) => flag.closeReason)).toEqual(['trial closed', 'trial closed']);
      expect(setup.audit.only('trial.updated').changes).toEqual([
        { field: 'status', old: 'recruiting', new: 'closed' },
        { field: 'openFlagsClosed', old: null, new: 2 },
        { field: 'openReferralRequestsClosed', old: null, new: 1 },
        { field: 'openReferralsClosed', old: null, new: 2 },
      ]);
      expect(setup.referralsClosed).toEqual([[trial.id, 'trial closed']]);
      expect(setup.runs.started).toEqual([]);
    });

    it('closing it returns a referred participant whose referral it ended to follow-up, audited', async () => {
      const setup = setUp();
      const trial = await trialAtTokyo(setup, 'recruiting');
      const referred = setup.participants.add({ siteId: TOKYO, status: ParticipantStatus.Referred });
      setup.referredIds.push(referred.id);

      await setup.service.update(sponsorOf(LILLY), trial.id, { status: 'closed' });

      expect(setup.participants.rows.get(referred.id)!.status).toBe(ParticipantStatus.Enrolled);
      expect(setup.audit.only('participant.status_changed')).toMatchObject({
        entityId: referred.id,
        reason: 'referral closed: trial closed',
        changes: expect.arrayContaining([{ field: 'status', old: 'referred', new: 'enrolled' }]),
      });
    });

    it('moves only draft -> recruiting -> paused / closed, refusing others with 409 naming the allowed moves', async () => {
      const setup = setUp();
      const trial = await trialAtTokyo(setup, 'draft');
      const error = await refusal(setup.service.update(sponsorOf(LILLY), trial.id, { status: 'paused' }));
      expect(error.code).toBe('trial.transition_not_allowed');
      expect(error.message).toBe('A trial cannot go from draft to paused; allowed: recruiting, closed');
      expect(setup.trials.trials.get(trial.id)!.status).toBe('draft');

      await setup.service.update(sponsorOf(LILLY), trial.id, { status: 'closed' });
      const reopened = await refusal(
        setup.service.update(sponsorOf(LILLY), trial.id, { status: 'recruiting' }),
      );
      expect(reopened.message).toBe(
        'A trial cannot go from closed to recruiting; allowed: none (final status)',
      );
    });

    it('writes nothing when nothing changes', async () => {
      const setup = setUp();
      const trial = await trialAtTokyo(setup);
      await setup.service.update(sponsorOf(LILLY), trial.id, { status: 'recruiting', title: 'A4' });
      expect(setup.audit.entries).toEqual([]);
      expect(setup.runs.started).toEqual([]);
    });

    it("answers not found to another organisation's sponsor, and changes nothing", async () => {
      const setup = setUp();
      const trial = await trialAtTokyo(setup, 'draft');
      const error = await refusal(setup.service.update(sponsorOf(EISAI), trial.id, { status: 'recruiting' }));
      expect(error.code).toBe('not_found');
      expect(setup.trials.trials.get(trial.id)!.status).toBe('draft');
      expect(setup.audit.entries).toEqual([]);
      expect(setup.runs.started).toEqual([]);
    });
  });

  describe('changing the criteria', () => {
    it('stores a new version, re-screens a recruiting cohort against it, and audits old and new criteria', async () => {
      const setup = setUp();
      const trial = await trialAtTokyo(setup);
      const { trial: updated, runId } = await setup.service.updateCriteria(sponsorOf(LILLY), trial.id, AHEAD);

      expect(updated.criteriaVersion).toBe(2);
      expect(setup.trials.trials.get(trial.id)!.criteriaVersion).toBe(2);
      await expect(setup.service.criteria(updated)).resolves.toEqual(AHEAD);
      expect(setup.runs.started).toEqual([
        expect.objectContaining({
          runId,
          trial: expect.objectContaining({ id: trial.id, criteriaVersion: 2 }),
          cause: 'criteria_changed',
        }),
      ]);
      expect(setup.audit.only('trial.criteria_changed').changes).toEqual([
        { field: 'criteriaVersion', old: 1, new: 2 },
        { field: 'criteria', old: A4, new: AHEAD },
      ]);
      await expect(setup.service.run(sponsorOf(LILLY), trial.id, runId!)).resolves.toMatchObject({
        id: runId,
        trialId: trial.id,
        cause: 'criteria_changed',
      });
    });

    it('starts no run for a trial that does not recruit', async () => {
      const setup = setUp();
      const trial = await trialAtTokyo(setup, 'paused');
      const { runId } = await setup.service.updateCriteria(sponsorOf(LILLY), trial.id, AHEAD);
      expect(runId).toBeNull();
      expect(setup.runs.started).toEqual([]);
    });

    it('refuses criteria that do not validate before opening a transaction', async () => {
      const setup = setUp();
      const trial = await trialAtTokyo(setup);
      const opened = setup.transactions.opened;
      const error = await refusal(
        setup.service.updateCriteria(sponsorOf(LILLY), trial.id, {
          language: 1,
          criteria: { type: 'nonsense' },
        }),
      );
      expect(error.code).toBe('criteria.invalid');
      expect(setup.transactions.opened).toBe(opened);
      expect(setup.trials.versions.filter((v) => v.trialId === trial.id)).toHaveLength(1);
    });

    it("answers not found to another organisation's sponsor for its criteria and its runs", async () => {
      const setup = setUp();
      const trial = await trialAtTokyo(setup);
      expect((await refusal(setup.service.updateCriteria(sponsorOf(EISAI), trial.id, AHEAD))).code).toBe(
        'not_found',
      );
      const { runId } = await setup.service.updateCriteria(sponsorOf(LILLY), trial.id, AHEAD);
      expect((await refusal(setup.service.run(sponsorOf(EISAI), trial.id, runId!))).code).toBe('not_found');
      expect((await refusal(setup.service.run(sponsorOf(LILLY), trial.id, 'no-such-run'))).code).toBe(
        'not_found',
      );
    });
  });

  describe("a screening run's progress", () => {
    async function runOf(setup: ReturnType<typeof setUp>, done: number, total: number, finished = false) {
      const trial = await trialAtTokyo(setup);
      const { runId } = await setup.service.updateCriteria(sponsorOf(LILLY), trial.id, AHEAD);
      setup.runs.progress.set(runId!, { done, total, finishedAt: finished ? new Date(NOW) : null });
      return { trialId: trial.id, runId: runId! };
    }

    it('shows the sponsor the share done and no count (the cohort includes people who did not consent to sharing counts), and the admin and the coordinator the exact numbers', async () => {
      const setup = setUp();
      const { trialId, runId } = await runOf(setup, 3, 7);
      await expect(setup.service.run(sponsorOf(LILLY), trialId, runId)).resolves.toMatchObject({
        id: runId,
        done: null,
        total: null,
        progressPercent: 40,
      });
      await expect(setup.service.run(admin(), trialId, runId)).resolves.toMatchObject({
        done: 3,
        total: 7,
        progressPercent: 40,
      });
      await expect(setup.service.run(coordinatorAt(TOKYO), trialId, runId)).resolves.toMatchObject({
        done: 3,
        total: 7,
      });
    });

    it('shows a sponsor 100 only once the run has finished', async () => {
      const setup = setUp();
      const { trialId, runId } = await runOf(setup, 1239, 1240);
      expect((await setup.service.run(sponsorOf(LILLY), trialId, runId)).progressPercent).toBe(90);
      setup.runs.progress.set(runId, { done: 1240, total: 1240, finishedAt: new Date(NOW) });
      expect((await setup.service.run(sponsorOf(LILLY), trialId, runId)).progressPercent).toBe(100);
    });
  });

  describe("a site's decision on a proposal", () => {
    it('lets a coordinator of the site accept: the site takes part, the decision is stamped, audited, and a recruiting cohort re-screened', async () => {
      const setup = setUp();
      const trial = await setup.service.create(sponsorOf(LILLY), a4Trial({ status: 'recruiting' }));
      const proposal = await setup.service.decideSite(coordinatorAt(TOKYO), trial.id, TOKYO, 'accepted');

      expect(proposal).toMatchObject({
        state: 'accepted',
        decidedBy: `coordinator-${TOKYO}`,
        decidedAt: new Date(NOW),
      });
      expect(setup.trials.locked).toContain(proposal.id);
      expect(setup.trials.siteIdsOf(trial.id)).toEqual([TOKYO]);
      expect(setup.audit.only('trial.site_accepted')).toMatchObject({
        entityId: trial.id,
        siteId: TOKYO,
        changes: [{ field: 'siteProposal', old: 'proposed', new: 'accepted' }],
      });
      expect(setup.runs.started.map((run) => [run.trial.id, run.cause])).toEqual([
        [trial.id, 'site_accepted'],
      ]);
    });

    it('lets a site decline: it does not take part and no one is screened', async () => {
      const setup = setUp();
      const trial = await setup.service.create(sponsorOf(LILLY), a4Trial({ status: 'recruiting' }));
      await setup.service.decideSite(admin(), trial.id, BOSTON, 'declined');

      expect(setup.trials.siteIdsOf(trial.id)).toEqual([]);
      expect(setup.audit.only('trial.site_declined').siteId).toBe(BOSTON);
      expect(setup.runs.started).toEqual([]);
    });

    it('refuses a second decision with 409, saying what was decided, and writes nothing more', async () => {
      const setup = setUp();
      const trial = await trialAtTokyo(setup);
      const error = await refusal(
        setup.service.decideSite(coordinatorAt(TOKYO), trial.id, TOKYO, 'declined'),
      );
      expect(error.code).toBe('trial.site_already_decided');
      expect(error.message).toBe('This site has already accepted the proposal');
      expect(setup.trials.proposals.find((p) => p.siteId === TOKYO)!.state).toBe('accepted');
      expect(setup.audit.entries).toEqual([]);
      expect(setup.runs.started).toEqual([]);
    });

    it('answers not found to a coordinator of another site, without reading the proposal', async () => {
      const setup = setUp();
      const trial = await setup.service.create(sponsorOf(LILLY), a4Trial());
      const error = await refusal(
        setup.service.decideSite(coordinatorAt(BOSTON), trial.id, TOKYO, 'accepted'),
      );
      expect(error.code).toBe('not_found');
      expect(setup.trials.locked).toEqual([]);
      expect(setup.trials.proposals.every((p) => p.state === 'proposed')).toBe(true);
    });

    it("lists the proposals to the coordinator's own sites (admins: all), in a state if asked", async () => {
      const setup = setUp();
      const a4 = await setup.service.create(sponsorOf(LILLY), a4Trial());
      await setup.service.create(
        sponsorOf(EISAI),
        a4Trial({ title: 'AHEAD', siteIds: [BOSTON], criteria: AHEAD }),
      );
      await setup.service.decideSite(coordinatorAt(TOKYO), a4.id, TOKYO, 'declined');

      const tokyo = await setup.service.siteProposals(coordinatorAt(TOKYO));
      expect(tokyo.map((p) => [p.siteId, p.trial!.title, p.state])).toEqual([[TOKYO, 'A4', 'declined']]);
      const proposed = await setup.service.siteProposals(admin(), 'proposed');
      expect(proposed.map((p) => [p.siteId, p.trial!.title])).toEqual([
        [BOSTON, 'AHEAD'],
        [BOSTON, 'A4'],
      ]);
    });
  });
});
