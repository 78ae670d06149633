import type { INestApplicationContext } from '@nestjs/common';
import {
  addDays,
  evaluateCriteria,
  NEVER_CHANGES_WITH_TIME,
  StoredVerdict,
  TRIAL_TEMPLATES,
} from '@registry/domain';
import {
  loadCohortScreeningInputs,
  loadProfiles,
  loadScreeningInputs,
  ScreeningInput,
} from '@registry/persistence';
import type { EntityManager } from 'typeorm';
import { ScreeningService } from '../../apps/worker/src/screening/screening.service';
import { createConsentDocument, enrolConsentedParticipant, tokyoToday } from '../support/cohort-fixture';
import { createTestSystem, startApi, startWorker, TestApi, TestSystem } from '../support/harness';
import { waitFor } from '../support/wait-for';
import { createRecruitingTrial } from '../support/trial-fixture';
import { createIdentityFixture, identityEnv, IdentityFixture } from '../support/identity-fixture';

const TB3 = TRIAL_TEMPLATES.find((t) => t.key === 'trailblazer-alz-3')!;

interface EligibilityView {
  result: string | null;
  explanation: { tree: ExplanationNode; summary: { criterion: string; result: string; reason: string }[] };
}

interface ExplanationNode {
  kind: string;
  result: string;
  criterion?: string;
  value?: unknown;
  children?: ExplanationNode[];
}

/** A verdict for `ScreeningSubject.stored` to write into. */
const emptyVerdict = (): StoredVerdict => ({
  criteriaVersion: 0,
  result: '',
  oneTestAway: null,
  explained: false,
  changesWithTimeOn: '',
});

describe('the eligibility view: the stored determination with the explanation stored with it', () => {
  let system: TestSystem;
  let api: TestApi;
  let worker: INestApplicationContext;
  let f: IdentityFixture;
  let participantId: string;
  let trialId: string;
  let consentDocumentId: string;

  beforeAll(async () => {
    system = await createTestSystem({ ...identityEnv, OUTBOX_POLL_INTERVAL_MS: '100' });
    api = await startApi(system.config);
    worker = await startWorker(system.config);
    f = await createIdentityFixture(api);
    trialId = await createRecruitingTrial(api, { sponsor: f.sponsorAlpha, admin: f.admin }, TB3, [
      f.sites.tokyo,
    ]);
    consentDocumentId = await createConsentDocument(api, f.admin);
    participantId = await enrolConsentedParticipant(api, f, consentDocumentId);
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await system?.shutdown();
  });

  const view = async () =>
    (
      await api
        .http()
        .get(`/api/v1/participants/${participantId}/eligibility`)
        .set(f.coordinatorTokyo.auth)
        .expect(200)
    ).body as EligibilityView[];
  const stored = async () =>
    (
      await api.dataSource.query<
        { result: string; evaluated_at: Date; changed_at: Date; leaf_judgements: unknown }[]
      >(
        `SELECT result, evaluated_at, changed_at, leaf_judgements FROM eligibility_determination WHERE participant_id = $1`,
        [participantId],
      )
    )[0];

  it('says a participant who has only registered is not screened, until they are enrolled', async () => {
    // Screening has judged them (the template's registry-status criterion fails) ...
    await waitFor(stored, (row) => row?.result === 'ineligible', 'the registered participant’s screening');
    // ... but the view does not call someone nobody has screened "ineligible".
    expect(await view()).toEqual([
      expect.objectContaining({
        trialTitle: TB3.title,
        screening: 'not_screened',
        notScreenedReason: 'registered, not yet enrolled',
        result: null,
        explanation: null,
      }),
    ]);

    await api
      .http()
      .post(`/api/v1/participants/${participantId}/status`)
      .set(f.coordinatorTokyo.auth)
      .send({ to: 'enrolled', effectiveDate: tokyoToday(), reason: 'Followed in the registry' })
      .expect(200);
    await waitFor(stored, (row) => row.result === 'undetermined', 'the re-screen after enrolment');
    const [enrolled] = await view();
    expect(enrolled).toMatchObject({
      screening: 'screened',
      notScreenedReason: null,
      result: 'undetermined',
      oneTestAway: 'plasma',
      explanation: { tree: { kind: 'all', result: 'unknown' } },
    });
  });

  it('shows the stored result with its own explanation after the data changed and before a re-screen', async () => {
    await api
      .http()
      .post(`/api/v1/participants/${participantId}/visits`)
      .set(f.coordinatorTokyo.auth)
      .send({
        visitDate: tokyoToday(),
        assessments: [
          {
            type: 'plasma',
            values: { platform: 'fujirebio_lumipulse', analyte: 'ptau217', result: 'positive' },
          },
        ],
      })
      .expect(201);
    const screened = await waitFor(stored, (row) => row.result === 'eligible', 'the eligible determination');
    const [before] = await view();
    expect(before).toMatchObject({
      result: 'eligible',
      criteriaVersion: 1,
      asOf: tokyoToday(),
      computedAt: screened.evaluated_at.toISOString(),
      explanation: { tree: { result: 'pass' }, oneTestAway: null },
    });

    // The study partner is no longer available, written straight to the table: no event, so no re-screen.
    await api.dataSource.query(`UPDATE participant SET study_partner_available = false WHERE id = $1`, [
      participantId,
    ]);
    const live = (await loadProfiles(api.dataSource.manager, [participantId], tokyoToday())).get(
      participantId,
    )!;
    expect(
      evaluateCriteria(TB3.criteria.criteria, live.profile, { asOf: tokyoToday(), trialId: 'any' }).result,
    ).toBe('ineligible');

    // The view still shows what screening stored, explained as it was then: the root reaches the same result.
    const [after] = await view();
    expect(after).toEqual(before);
    expect(after.explanation.tree.result).toBe('pass');
    const partner = after.explanation.tree.children!.find(
      (node) => node.criterion === 'study partner available',
    );
    expect(partner).toMatchObject({ result: 'pass', value: true });
    expect(
      after.explanation.summary.find((leaf) => leaf.criterion.startsWith('plasma result')),
    ).toMatchObject({
      result: 'pass',
      reason: `plasma result (ptau217) positive on ${tokyoToday()}: meets plasma result (ptau217) = positive within 180 days`,
    });

    await api.dataSource.query(`UPDATE participant SET study_partner_available = true WHERE id = $1`, [
      participantId,
    ]);
  });

  it('stores an explanation once for a result stored without one, without calling it a change', async () => {
    await api.dataSource.query(
      `UPDATE eligibility_determination SET leaf_judgements = NULL WHERE participant_id = $1`,
      [participantId],
    );
    const [legacy] = await view();
    expect(legacy).toMatchObject({ result: 'eligible', explanation: null });
    const before = await stored();
    const historyRows = async () =>
      (
        await api.dataSource.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM eligibility_determination_history WHERE participant_id = $1`,
          [participantId],
        )
      )[0].n;
    const historyBefore = await historyRows();

    await worker.get(ScreeningService).screen([participantId]);
    const after = await stored();
    expect(after.leaf_judgements).not.toBeNull();
    expect(after.changed_at).toEqual(before.changed_at);
    expect(await historyRows()).toBe(historyBefore);
    const [explained] = await view();
    expect(explained).toMatchObject({ result: 'eligible', explanation: { tree: { result: 'pass' } } });
  });

  // A walk of whole sites reads each batch's stored rows by one scan over the batch's id range; a read by id
  // (or of those due) probes each participant: both must read the same.
  it('reads the same stored determinations, explanations missing and open flags walking the cohort as by id', async () => {
    const others = [
      await enrolConsentedParticipant(api, f, consentDocumentId, {
        identity: { familyName: 'Sato', givenName: 'Aoi' },
      }),
      await enrolConsentedParticipant(api, f, consentDocumentId, {
        identity: { familyName: 'Sato', givenName: 'Ren' },
      }),
    ];
    await waitFor(
      async () =>
        (
          await api.dataSource.query<{ n: number }[]>(
            `SELECT count(*)::int AS n FROM eligibility_determination WHERE participant_id = ANY($1::text[])`,
            [others],
          )
        )[0].n,
      (n) => n === others.length,
      'the new participants to be screened',
    );
    await api.dataSource.query(
      `UPDATE eligibility_determination SET leaf_judgements = NULL WHERE participant_id = $1`,
      [others[0]],
    );
    const everyone = [participantId, ...others].sort();
    const day = tokyoToday();
    const read = (inputs: ScreeningInput[]) =>
      inputs.map((input) => {
        const subject = input.read();
        const into = emptyVerdict();
        const stored = subject.stored(0, into);
        // The time-change day is read by id always, walking only once due: not compared.
        const { changesWithTimeOn: _notCompared, ...verdict } = into;
        return { id: input.participantId, stored: stored ? verdict : null, flags: subject.openFlags(0) };
      });
    const byId = read(
      await loadScreeningInputs(
        api.dataSource.manager,
        everyone.map((id) => ({ participantId: id, asOf: day })),
        [trialId],
      ),
    );
    expect(byId.map((row) => row.stored?.explained)).toEqual(everyone.map((id) => id !== others[0]));
    expect(byId.some((row) => row.flags.length > 0)).toBe(true);
    const walked = read(
      await loadCohortScreeningInputs(
        api.dataSource.manager,
        { siteIds: [f.sites.tokyo], after: null, limit: 10 },
        () => day,
        [trialId],
      ),
    );
    expect(walked).toEqual(byId);
    // A batch that starts after the first: its range holds only its own.
    const rest = read(
      await loadCohortScreeningInputs(
        api.dataSource.manager,
        { siteIds: [f.sites.tokyo], after: everyone[0], limit: 10 },
        () => day,
        [trialId],
      ),
    );
    expect(rest).toEqual(byId.slice(1));
  });

  // The batch document joins each stored determination's columns as JSON text (load-profiles.ts): a value
  // holding quotes, a backslash and the batch's separators, and a day, must read back as stored, whichever
  // way the participant is read.
  it('reads each stored column back as stored, quotes, separators and days included', async () => {
    const day = tokyoToday();
    const [before] = await api.dataSource.query<{ one_test_away: string | null; changes: string }[]>(
      `SELECT one_test_away, changes_with_time_on::text AS changes FROM eligibility_determination
        WHERE participant_id = $1 AND trial_id = $2`,
      [participantId, trialId],
    );
    const oneTestAway = 'amyloid "PET" \\ \u001e\u001f\n';
    await api.dataSource.query(
      `UPDATE eligibility_determination SET one_test_away = $3, changes_with_time_on = $4
        WHERE participant_id = $1 AND trial_id = $2`,
      [participantId, trialId, oneTestAway, day],
    );
    try {
      const [stored] = await api.dataSource.query<{ criteria_version: number; result: string }[]>(
        `SELECT criteria_version, result FROM eligibility_determination WHERE participant_id = $1 AND trial_id = $2`,
        [participantId, trialId],
      );
      const flags = await api.dataSource.query<{ kind: string }[]>(
        `SELECT kind FROM eligibility_flag WHERE participant_id = $1 AND trial_id = $2 AND closed_at IS NULL`,
        [participantId, trialId],
      );
      const expected = {
        criteriaVersion: stored.criteria_version,
        result: stored.result,
        oneTestAway,
        explained: true,
        changesWithTimeOn: day,
      };
      // The participant read by id, and as a walk of the site on `day` reads them.
      const readBothWays = async () => {
        const byId = await loadScreeningInputs(
          api.dataSource.manager,
          [{ participantId, asOf: day }],
          [trialId],
        );
        const walked = await loadCohortScreeningInputs(
          api.dataSource.manager,
          { siteIds: [f.sites.tokyo], after: null, limit: 10 },
          () => day,
          [trialId],
        );
        return [...byId, ...walked.filter((input) => input.participantId === participantId)];
      };
      const inputs = await readBothWays();
      expect(inputs).toHaveLength(2);
      for (const input of inputs) {
        const subject = input.read();
        const into = emptyVerdict();
        expect(subject.stored(0, into)).toBe(true);
        expect(into).toEqual(expected);
        expect([...subject.openFlags(0)].sort()).toEqual(flags.map((flag) => flag.kind).sort());
      }

      // A day still to come is read by id, whose data may have changed, but not walking on `day`: nothing
      // time can change is due then. The column's default, -infinity, is read either way.
      const readOn = async (changesWithTimeOn: string) => {
        await api.dataSource.query(
          `UPDATE eligibility_determination SET changes_with_time_on = $3::date WHERE participant_id = $1 AND trial_id = $2`,
          [participantId, trialId, changesWithTimeOn],
        );
        return (await readBothWays()).map((input) => {
          const into = emptyVerdict();
          input.read().stored(0, into);
          return into.changesWithTimeOn;
        });
      };
      const tomorrow = addDays(day, 1);
      expect(await readOn(tomorrow)).toEqual([tomorrow, NEVER_CHANGES_WITH_TIME]);
      expect(await readOn('-infinity')).toEqual(['-infinity', '-infinity']);
    } finally {
      await api.dataSource.query(
        `UPDATE eligibility_determination SET one_test_away = $3, changes_with_time_on = $4::date
          WHERE participant_id = $1 AND trial_id = $2`,
        [participantId, trialId, before.one_test_away, before.changes],
      );
    }
  });

  // A re-screen reads every stored determination; read through the key alone, ten per participant lie on
  // ten heap pages (each trial's first screen wrote its own), so what it reads of them is in the key
  // (migration DeterminationCoveringKey). Planned as at a million participants, where probing an index row
  // by row is what the planner picks (the benchmark shows the plan): on a table this small it would rather
  // read it whole or through a bitmap.
  it('reads what a re-screen needs of the stored determinations without visiting the table', async () => {
    const planOfRead = async () => {
      // As autovacuum would: the app's role may not vacuum (PostgreSQL skips the table with a warning only).
      await system.asOwner(`VACUUM eligibility_determination`);
      const runner = api.dataSource.createQueryRunner();
      const plans: unknown[] = [];
      try {
        await runner.startTransaction();
        await runner.query(`SET LOCAL enable_seqscan = off`);
        await runner.query(`SET LOCAL enable_bitmapscan = off`);
        const explaining = {
          query: async (sql: string, parameters: unknown[]) => {
            const [{ 'QUERY PLAN': plan }] = await runner.query(
              `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
              parameters,
            );
            plans.push(plan);
            return [{ participants: null }];
          },
        } as unknown as EntityManager;
        await loadScreeningInputs(explaining, [{ participantId, asOf: tokyoToday() }], [trialId]);
      } finally {
        await runner.rollbackTransaction();
        await runner.release();
      }
      return nodesOf(plans[0]).filter((node) => node['Relation Name'] === 'eligibility_determination');
    };
    // Vacuum marks a page all visible only once no transaction still running could miss its rows: a
    // screening job of the test before may still be finishing.
    const scans = await waitFor(
      planOfRead,
      (nodes) => nodes[0]?.['Heap Fetches'] === 0,
      'a read of the stored determination from the key alone',
    );
    expect(
      scans.map((scan) => [scan['Node Type'], scan['Index Name'], scan['Heap Fetches'] ?? null]),
    ).toEqual([
      ['Index Only Scan', 'eligibility_determination_pkey', 0],
      ['Index Scan', 'eligibility_determination_unexplained_idx', null],
    ]);
    // It did read the row, from the key.
    expect(scans[0]['Actual Rows']).toBe(1);
  });
});

type PlanNode = Record<string, unknown> & { Plans?: PlanNode[] };

/** Every node of an EXPLAIN (FORMAT JSON) plan, in order. */
function nodesOf(explained: unknown): PlanNode[] {
  const walk = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(walk)];
  return walk((explained as { Plan: PlanNode }[])[0].Plan);
}
