import { createHmac } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import {
  addDays,
  createConsentDocument,
  enrolConsentedParticipant,
  personInput,
  todayIn,
  tokyoToday,
} from '../support/cohort-fixture';
import { createTestSystem, startApi, startWorker, TestApi, TestSystem } from '../support/harness';
import { createIdentityFixture, identityEnv, IdentityFixture, Login } from '../support/identity-fixture';
import { acceptTrialSites } from '../support/trial-fixture';
import { waitFor } from '../support/wait-for';
import { countsIn } from '../support/sponsor-answers';

/** Everyone 60 to 90 who may be recontacted and is in no other trial is eligible: a pool to refer from. */
const CRITERIA = {
  language: 1,
  criteria: {
    type: 'all',
    of: [
      { type: 'age', min: 60, max: 90 },
      { type: 'consent', scope: 'recontact_for_trials' },
      { type: 'not_in_other_trial' },
    ],
  },
};
const GIVEN_NAMES = ['Aiko', 'Haruto', 'Mei', 'Sora'];

/**
 * Issue 18, end to end: a sponsor asks for referrals; only the site asked sees its task; the coordinator
 * records outcomes; a randomised participant leaves the other trial's pool and flags; a decline holds the
 * trial's flags back; closing a trial closes its referrals; the sponsor's funnel is counts through
 * disclosure control and tokens, and nothing a sponsor is answered identifies anyone.
 */
describe('referrals: from an eligible pool to people contacted, outcomes flowing back', () => {
  let system: TestSystem;
  let api: TestApi;
  let worker: INestApplicationContext;
  let f: IdentityFixture;
  let trialA: string;
  let trialB: string;
  const people: string[] = [];
  let bostonPerson: string;
  const sponsorAnswers: string[] = [];
  let requestA: string;
  let requestB: string;
  const contacts: Record<string, string> = {};

  /** Enrolled on the site's own day (the day they were registered there). */
  const enrol = (id: string, coordinator: Login, timeZone: string) =>
    api
      .http()
      .post(`/api/v1/participants/${id}/status`)
      .set(coordinator.auth)
      .send({ to: 'enrolled', effectiveDate: todayIn(timeZone), reason: 'Followed in the registry' })
      .expect(200);

  const createTrial = async (title: string, registryNumber: string, siteIds: string[]) => {
    const res = await api
      .http()
      .post('/api/v1/trials')
      .set(f.sponsorAlpha.auth)
      .send({
        title,
        registryNumber,
        phase: '3',
        status: 'recruiting',
        siteIds,
        targetEnrolment: 100,
        criteria: CRITERIA,
      })
      .expect(201);
    await acceptTrialSites(api, f.admin, res.body.id as string, siteIds);
    return res.body.id as string;
  };

  const openFlags = (trialId: string) =>
    api.dataSource.query<{ participant_id: string }[]>(
      `SELECT participant_id FROM eligibility_flag WHERE trial_id = $1 AND kind = 'eligible' AND closed_at IS NULL ORDER BY participant_id`,
      [trialId],
    );
  const flagsOf = (participantId: string) =>
    api.dataSource.query<{ trial_id: string; closed_at: Date | null; close_reason: string | null }[]>(
      `SELECT trial_id, closed_at, close_reason FROM eligibility_flag WHERE participant_id = $1 ORDER BY raised_at`,
      [participantId],
    );
  const sponsor = async (method: 'get' | 'post' | 'put' | 'patch', path: string, body?: object) => {
    const call = api.http()[method](path).set(f.sponsorAlpha.auth);
    const res = await (body ? call.send(body) : call);
    sponsorAnswers.push(res.text);
    return res;
  };
  const move = (contactId: string, body: object, coordinator = f.coordinatorTokyo) =>
    api.http().post(`/api/v1/referral-contacts/${contactId}/transitions`).set(coordinator.auth).send(body);

  beforeAll(async () => {
    system = await createTestSystem({ ...identityEnv, OUTBOX_POLL_INTERVAL_MS: '100' });
    api = await startApi(system.config);
    worker = await startWorker(system.config);
    f = await createIdentityFixture(api);
    const documentId = await createConsentDocument(api, f.admin);
    for (const givenName of GIVEN_NAMES) {
      const id = await enrolConsentedParticipant(api, f, documentId, {
        identity: { ...personInput(f.sites.tokyo).identity, givenName },
      });
      await enrol(id, f.coordinatorTokyo, 'Asia/Tokyo');
      people.push(id);
    }
    const boston = await api
      .http()
      .post('/api/v1/participants')
      .set(f.coordinatorBoston.auth)
      .send(personInput(f.sites.boston, { identity: { familyName: 'Smith', givenName: 'Alice' } }))
      .expect(201);
    bostonPerson = boston.body.id as string;
    await api
      .http()
      .post(`/api/v1/participants/${bostonPerson}/consents`)
      .set(f.coordinatorBoston.auth)
      .send({
        consentDocumentId: documentId,
        signedOn: '2024-01-01',
        scopes: ['registry_follow_up', 'recontact_for_trials', 'sponsor_data_sharing'],
      })
      .expect(201);
    await enrol(bostonPerson, f.coordinatorBoston, 'America/New_York');
    trialA = await createTrial('Prevention trial A', 'NCT04468659', [f.sites.tokyo, f.sites.boston]);
    trialB = await createTrial('Prevention trial B', 'NCT02008357', [f.sites.tokyo]);
    await waitFor(
      async () => [(await openFlags(trialA)).length, (await openFlags(trialB)).length],
      ([a, b]) => a === 5 && b === 4,
      'everyone flagged eligible for both trials',
      60_000,
    );
  }, 180_000);

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await system?.shutdown();
  });

  it('a sponsor asks one site for referrals; only that site sees its task', async () => {
    const dueOn = addDays(tokyoToday(), 30);
    const bad = await sponsor('post', `/api/v1/trials/${trialB}/referral-requests`, {
      sites: [{ siteId: f.sites.boston, count: 2 }],
      dueOn,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([
      expect.objectContaining({ field: 'sites[0].siteId', constraint: 'takesPart' }),
    ]);

    const created = await sponsor('post', `/api/v1/trials/${trialA}/referral-requests`, {
      sites: [{ siteId: f.sites.tokyo, count: 3 }],
      dueOn,
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual([
      { id: expect.any(String), siteId: f.sites.tokyo, requestedCount: 3, dueOn },
    ]);
    requestA = created.body[0].id as string;
    const again = await sponsor('post', `/api/v1/trials/${trialA}/referral-requests`, {
      sites: [{ siteId: f.sites.tokyo, count: 1 }],
      dueOn,
    });
    expect([again.status, again.body.code]).toEqual([409, 'referral.request_open']);
    requestB = (
      await sponsor('post', `/api/v1/trials/${trialB}/referral-requests`, {
        sites: [{ siteId: f.sites.tokyo, count: 2 }],
        dueOn,
      })
    ).body[0].id as string;

    const tokyo = await api.http().get('/api/v1/referral-requests').set(f.coordinatorTokyo.auth).expect(200);
    expect(tokyo.body.map((r: { id: string }) => r.id).sort()).toEqual([requestA, requestB].sort());
    const boston = await api
      .http()
      .get('/api/v1/referral-requests')
      .set(f.coordinatorBoston.auth)
      .expect(200);
    expect(boston.body).toEqual([]);
    await api.http().get(`/api/v1/referral-requests/${requestA}`).set(f.coordinatorBoston.auth).expect(404);

    const detail = await api
      .http()
      .get(`/api/v1/referral-requests/${requestA}`)
      .set(f.coordinatorTokyo.auth)
      .expect(200);
    // The site's own eligible participants, longest eligible first; never Boston's.
    const candidates = detail.body.candidates.map((c: { participantId: string }) => c.participantId);
    expect([...candidates].sort()).toEqual([...people].sort());
    const since = detail.body.candidates.map((c: { eligibleSince: string }) => c.eligibleSince);
    expect(since).toEqual([...since].sort());
    const audited = await api.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM audit_event WHERE action = 'referral.requested'`,
    );
    expect(audited[0].n).toBe(2);
  });

  it('records each contact through its state machine, refusing jumps with 409 naming the allowed moves', async () => {
    for (const id of people.slice(0, 3)) {
      const res = await api
        .http()
        .post(`/api/v1/referral-requests/${requestA}/contacts`)
        .set(f.coordinatorTokyo.auth)
        .send({ participantId: id })
        .expect(201);
      expect(res.body.state).toBe('to_contact');
      contacts[id] = res.body.id as string;
    }
    // In an open referral for A, so not a candidate for B (the trials exclude each other).
    const twice = await api
      .http()
      .post(`/api/v1/referral-requests/${requestB}/contacts`)
      .set(f.coordinatorTokyo.auth)
      .send({ participantId: people[0] });
    expect([twice.status, twice.body.code]).toEqual([409, 'referral.not_a_candidate']);
    // Boston's coordinator cannot reach Tokyo's contacts.
    await move(contacts[people[0]], { to: 'interested' }, f.coordinatorBoston).expect(404);

    const jump = await move(contacts[people[0]], { to: 'randomised' });
    expect(jump.status).toBe(409);
    expect(jump.body).toMatchObject({
      code: 'referral.transition_not_allowed',
      message:
        'A referral cannot go from to_contact to randomised; allowed: not_reached, declined, interested',
    });
    await move(contacts[people[0]], { to: 'interested' }).expect(200);
    const participant = await api
      .http()
      .get(`/api/v1/participants/${people[0]}`)
      .set(f.coordinatorTokyo.auth)
      .expect(200);
    expect(participant.body.status).toBe('referred');
    await move(contacts[people[0]], { to: 'prescreen_booked' }).expect(200);

    // people[2]: interested, booked, then screen-failed, which needs its coded reason.
    await move(contacts[people[2]], { to: 'interested' }).expect(200);
    await move(contacts[people[2]], { to: 'prescreen_booked' }).expect(200);
    const noReason = await move(contacts[people[2]], { to: 'screen_failed' });
    expect(noReason.status).toBe(400);
    expect(noReason.body.details).toEqual([expect.objectContaining({ field: 'screenFailReason' })]);
    const failed = await move(contacts[people[2]], {
      to: 'screen_failed',
      screenFailReason: 'amyloid_not_eligible',
    }).expect(200);
    expect(failed.body).toMatchObject({ state: 'screen_failed', screenFailReason: 'amyloid_not_eligible' });
    const back = await api
      .http()
      .get(`/api/v1/participants/${people[2]}`)
      .set(f.coordinatorTokyo.auth)
      .expect(200);
    expect(back.body.status).toBe('enrolled');
    const final = await move(contacts[people[2]], { to: 'interested' });
    expect(final.body.message).toBe(
      'A referral cannot go from screen_failed to interested; allowed: none (final state)',
    );
  });

  it('a randomised participant is in the trial, leaves the other trial’s pool and flags at once, and is re-screened', async () => {
    const res = await move(contacts[people[0]], { to: 'randomised' }).expect(200);
    expect(res.body.randomisedOn).toBe(tokyoToday());
    const participant = await api
      .http()
      .get(`/api/v1/participants/${people[0]}`)
      .set(f.coordinatorTokyo.auth)
      .expect(200);
    expect(participant.body.status).toBe('in_trial');
    const flags = await flagsOf(people[0]);
    expect(flags.filter((flag) => flag.closed_at === null)).toEqual([]);
    expect(flags.find((flag) => flag.trial_id === trialA)?.close_reason).toBe('randomised into this trial');
    expect(flags.find((flag) => flag.trial_id === trialB)?.close_reason).toBe(
      'randomised into another trial',
    );
    const commitments = await api.dataSource.query<{ trial_id: string }[]>(
      `SELECT trial_id FROM trial_commitment WHERE participant_id = $1`,
      [people[0]],
    );
    expect(commitments).toEqual([{ trial_id: trialA }]);

    // Re-screened through the outbox: "not in another trial" now fails for B with the commitment to A.
    const eligibility = await waitFor(
      async () =>
        (await api.http().get(`/api/v1/participants/${people[0]}/eligibility`).set(f.coordinatorTokyo.auth))
          .body as {
          trialId: string;
          result: string;
          explanation: { summary: { criterion: string; result: string }[] };
        }[],
      (rows) => rows.find((row) => row.trialId === trialB)?.result === 'ineligible',
      'the randomised participant re-screened',
    );
    const forB = eligibility.find((row) => row.trialId === trialB)!;
    expect(forB.explanation.summary).toContainEqual(
      expect.objectContaining({ result: 'fail', criterion: expect.stringMatching(/other trial/) }),
    );
    // Never flagged again for B, and no longer a candidate for B's request.
    expect((await openFlags(trialB)).map((row) => row.participant_id)).not.toContain(people[0]);
    const detailB = await api
      .http()
      .get(`/api/v1/referral-requests/${requestB}`)
      .set(f.coordinatorTokyo.auth)
      .expect(200);
    expect(detailB.body.candidates.map((c: { participantId: string }) => c.participantId)).not.toContain(
      people[0],
    );
  });

  it('a decline closes the trial’s flag and holds new ones back for the configured period', async () => {
    const declined = await move(contacts[people[1]], { to: 'declined', note: 'Not now, travelling' }).expect(
      200,
    );
    expect(declined.body.flagsSuppressedUntil).toBe(addDays(tokyoToday(), 180));
    const flags = await flagsOf(people[1]);
    expect(flags.find((flag) => flag.trial_id === trialA)?.close_reason).toBe(
      'declined a referral for this trial',
    );
    // Still flagged for B: a decline is for one trial.
    expect(flags.find((flag) => flag.trial_id === trialB)?.closed_at).toBeNull();
    // The site's daily re-screen judges them again for A no later than the day the hold ends.
    const [stored] = await api.dataSource.query<{ due: string }[]>(
      `SELECT changes_with_time_on::text AS due FROM eligibility_determination WHERE participant_id = $1 AND trial_id = $2`,
      [people[1], trialA],
    );
    expect(stored.due <= declined.body.flagsSuppressedUntil).toBe(true);

    // A new criteria version re-screens A's whole cohort. people[3]'s flag for A is closed first (as if
    // they had been ineligible for a while): the re-screen raises it again, but not the decliner's.
    await api.dataSource.query(
      `UPDATE eligibility_flag SET closed_at = now(), close_reason = 'test: closed' WHERE participant_id = $1 AND trial_id = $2`,
      [people[3], trialA],
    );
    const run = await sponsor('put', `/api/v1/trials/${trialA}/criteria`, { criteria: CRITERIA });
    expect(run.status).toBe(200);
    await waitFor(
      () =>
        api.dataSource.query<{ finished: boolean }[]>(
          `SELECT finished_at IS NOT NULL AS finished FROM screening_run WHERE id = $1`,
          [run.body.screeningRunId],
        ),
      ([row]) => row?.finished === true,
      'the re-screen of trial A',
      60_000,
    );
    const open = (await openFlags(trialA)).map((row) => row.participant_id);
    expect(open).toContain(people[3]);
    expect(open).not.toContain(people[1]);
  });

  it('closing a trial closes its open referrals, its request and its flags, and a closed trial stays closed', async () => {
    const contact = await api
      .http()
      .post(`/api/v1/referral-requests/${requestB}/contacts`)
      .set(f.coordinatorTokyo.auth)
      .send({ participantId: people[3] })
      .expect(201);
    await sponsor('patch', `/api/v1/trials/${trialB}`, { status: 'closed' }).then((res) =>
      expect(res.status).toBe(200),
    );
    const detail = await api
      .http()
      .get(`/api/v1/referral-requests/${requestB}`)
      .set(f.coordinatorTokyo.auth)
      .expect(200);
    expect(detail.body).toMatchObject({ closeReason: 'trial closed', candidates: [] });
    expect(detail.body.contactList).toEqual([
      expect.objectContaining({ id: contact.body.id, state: 'to_contact', closeReason: 'trial closed' }),
    ]);
    expect(await openFlags(trialB)).toEqual([]);
    const moved = await move(contact.body.id as string, { to: 'interested' });
    expect([moved.status, moved.body.code]).toEqual([409, 'referral.contact_closed']);
    const reopen = await sponsor('patch', `/api/v1/trials/${trialB}`, { status: 'recruiting' });
    expect([reopen.status, reopen.body.message]).toEqual([
      409,
      'A trial cannot go from closed to recruiting; allowed: none (final status)',
    ]);
    // Free again: people[3] may now be referred to A.
    await api
      .http()
      .post(`/api/v1/referral-requests/${requestA}/contacts`)
      .set(f.coordinatorTokyo.auth)
      .send({ participantId: people[3] })
      .expect(201);
  });

  it("the sponsor's funnel is counts through disclosure control, with a stable per-trial token for each person prescreened", async () => {
    const res = await sponsor('get', `/api/v1/trials/${trialA}/referral-funnel`);
    expect(res.status).toBe(200);
    // Four referred at Tokyo, none at Boston (not asked): every count from 1 to 10 reads "<11".
    expect(res.body.overall).toMatchObject({ referred: '<11', randomised: '<11', screenFailed: '<11' });
    expect(res.body.sites).toEqual([
      expect.objectContaining({ siteCode: 'TKY', requested: 3, referred: '<11' }),
    ]);
    expect(res.body.disclosure).toEqual({ minimumCellSize: 11, roundTo: 5, noiseBound: 3 });
    const key = system.config.REFERRAL_TOKEN_KEY;
    const token = (participantId: string, trialId: string) =>
      createHmac('sha256', key).update(`${trialId}\n${participantId}`).digest('hex');
    // The randomised and the screen-failed person were prescreened; the others are not tokenised.
    expect(res.body.tokens).toEqual(
      [people[0], people[2]]
        .map((id) => ({ token: token(id, trialA), previousToken: null }))
        .sort((a, b) => a.token.localeCompare(b.token)),
    );
    // The same answer again; B's funnel has no token (nobody prescreened), and no token of A's appears there.
    expect((await sponsor('get', `/api/v1/trials/${trialA}/referral-funnel`)).body).toEqual(res.body);
    const funnelB = await sponsor('get', `/api/v1/trials/${trialB}/referral-funnel`);
    expect(funnelB.body.tokens).toEqual([]);
    // Another organisation's sponsor gets nothing.
    await api.http().get(`/api/v1/trials/${trialA}/referral-funnel`).set(f.sponsorBeta.auth).expect(404);
    const audited = await api.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM audit_event WHERE action = 'sponsor_query.referral_funnel'`,
    );
    expect(audited[0].n).toBeGreaterThanOrEqual(3);
  });

  it('nothing a sponsor was answered identifies anyone, and no count from 1 to 10 is shown', () => {
    expect(sponsorAnswers.length).toBeGreaterThan(8);
    const patterns: [string, RegExp][] = [
      ['registry id', /[A-Z]{2,5}-[0-9]{6}-[0-9A-Z]/],
      ['name', new RegExp(['Tanaka', 'Kenji', 'Smith', 'Alice', ...GIVEN_NAMES].join('|'))],
      ['birth date', /1958-04-01/],
      ['e-mail', /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[a-z]{2,}/],
      ['phone', /\+[0-9]{1,3}[ -][0-9]{1,4}[ -][0-9]{3,4}/],
    ];
    const found = sponsorAnswers.flatMap((text) => [
      ...patterns.filter(([, pattern]) => pattern.test(text)).map(([what]) => what),
      ...[...people, bostonPerson].filter((id) => text.includes(id)),
    ]);
    expect(found).toEqual([]);
    const funnels = sponsorAnswers.filter((text) => text.includes('"tokens"'));
    expect(funnels.length).toBe(3);
    expect(funnels.flatMap((text) => countsIn(JSON.parse(text)).filter((n) => n >= 1 && n < 11))).toEqual([]);
  });

  it('a withdrawal of the consent to be recontacted ends the open referral at once', async () => {
    const detail = await api
      .http()
      .get(`/api/v1/referral-requests/${requestA}`)
      .set(f.coordinatorTokyo.auth)
      .expect(200);
    const open = (
      detail.body.contactList as { id: string; participantId: string; closedAt: string | null }[]
    ).find((contact) => contact.participantId === people[3])!;
    expect(open.closedAt).toBeNull();
    const consents = await api
      .http()
      .get(`/api/v1/participants/${people[3]}/consents`)
      .set(f.coordinatorTokyo.auth)
      .expect(200);
    await api
      .http()
      .post(`/api/v1/participants/${people[3]}/consents/${consents.body.consents[0].id}/withdrawals`)
      .set(f.coordinatorTokyo.auth)
      .send({
        scopes: ['recontact_for_trials'],
        withdrawnOn: tokyoToday(),
        reason: 'no longer wishes to be approached',
      })
      .expect(201);
    const after = await api
      .http()
      .get(`/api/v1/referral-requests/${requestA}`)
      .set(f.coordinatorTokyo.auth)
      .expect(200);
    expect(after.body.contactList).toContainEqual(
      expect.objectContaining({ id: open.id, closeReason: 'consent to be recontacted for trials withdrawn' }),
    );
  });

  it('reports the registry’s recruitment speed per site to admins, saying what n is', async () => {
    const res = await api.http().get('/api/v1/referrals/recruitment-speed').set(f.admin.auth).expect(200);
    // One randomised today, flagged today (Tokyo's calendar): 0 days.
    expect(res.body).toEqual({
      overall: { siteCode: 'all', n: 1, median: 0, firstQuartile: 0, thirdQuartile: 0 },
      sites: [{ siteCode: 'TKY', n: 1, median: 0, firstQuartile: 0, thirdQuartile: 0 }],
    });
    await api.http().get('/api/v1/referrals/recruitment-speed').set(f.sponsorAlpha.auth).expect(403);
  });
});
