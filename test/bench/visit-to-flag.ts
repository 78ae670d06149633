import { dateInTimeZone } from '@registry/domain';
import { argument, describeMachine, openBenchCohort, percentile } from './support/bench-cohort';
import { startBenchApi } from './support/bench-api';
import { startBenchWorker, timeCohortRun } from './support/bench-worker';

/**
 * From a committed visit to a visible flag, with an idle queue: a Tokyo coordinator records, through the
 * HTTP API, a positive plasma p-tau217 for participants whom TRAILBLAZER-ALZ 3 lists as one plasma test
 * away, one at a time; the clock stops when the eligible flag can be read from the database. The path
 * timed: API transaction with outbox row, NOTIFY, outbox relay, screening queue (its 150 ms de-duplication
 * delay included), screening, flag.
 *
 *   npm run bench:visit-to-flag -- --participants 100000 --visits 500
 */
async function main(): Promise<void> {
  const participants = Number(argument('participants', '100000'));
  const visits = Number(argument('visits', '500'));
  const cohort = await openBenchCohort(participants);
  const { dataSource } = cohort;
  console.log(await describeMachine(dataSource));
  const tb3 = cohort.trialIds[3];
  const worker = await startBenchWorker(cohort.config);
  const api = await startBenchApi(worker.config, cohort.demoPassword);
  try {
    const [{ screened }] = await dataSource.query<{ screened: number }[]>(
      `SELECT count(*)::int AS screened FROM eligibility_determination WHERE trial_id = $1`,
      [tb3],
    );
    if (screened === 0) await timeCohortRun(dataSource, worker, [tb3]);
    const today = dateInTimeZone(new Date(), 'Asia/Tokyo');
    // One test away for lack of plasma, consented to biomarker sampling, and no visit today yet.
    const candidates = await dataSource.query<{ id: string }[]>(
      `SELECT d.participant_id AS id FROM eligibility_determination d
         JOIN participant p ON p.id = d.participant_id JOIN site s ON s.id = p.site_id AND s.code = 'TKY'
        WHERE d.trial_id = $1 AND d.one_test_away = 'plasma'
          AND EXISTS (SELECT 1 FROM participant_consent pc WHERE pc.participant_id = p.id
                        AND pc.scopes @> ARRAY['biomarker_sampling', 'registry_follow_up', 'recontact_for_trials']
                        AND NOT EXISTS (SELECT 1 FROM consent_withdrawal w WHERE w.participant_consent_id = pc.id))
          AND NOT EXISTS (SELECT 1 FROM visit v WHERE v.participant_id = p.id AND v.visit_date = $2)
        ORDER BY d.participant_id LIMIT $3`,
      [tb3, today, visits],
    );
    console.log(`participants one plasma test away at Tokyo: ${candidates.length} used`);
    const auth = await api.login('coordinator.tky@demo.trialready.example');

    const total: number[] = [];
    const request: number[] = [];
    let refused = 0;
    for (const { id } of candidates) {
      const started = performance.now();
      const res = await fetch(`${api.url}/api/v1/participants/${id}/visits`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: auth },
        body: JSON.stringify({
          visitDate: today,
          mode: 'remote',
          assessments: [
            {
              type: 'plasma',
              values: { platform: 'fujirebio_lumipulse', analyte: 'ptau217', result: 'positive' },
            },
          ],
        }),
      });
      const recorded = performance.now();
      if (res.status !== 201) {
        refused++;
        if (refused <= 3) console.log(`  visit refused: ${res.status} ${await res.text()}`);
        continue;
      }
      for (;;) {
        const rows = await dataSource.query<unknown[]>(
          `SELECT 1 FROM eligibility_flag WHERE participant_id = $1 AND trial_id = $2 AND kind = 'eligible' AND closed_at IS NULL`,
          [id, tb3],
        );
        if (rows.length > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      total.push(performance.now() - started);
      request.push(recorded - started);
    }
    const line = (label: string, values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      console.log(
        `${label.padEnd(26)} p50 ${percentile(sorted, 50).toFixed(0).padStart(5)} ms   p95 ${percentile(
          sorted,
          95,
        )
          .toFixed(0)
          .padStart(
            5,
          )} ms   p99 ${percentile(sorted, 99).toFixed(0).padStart(5)} ms   max ${sorted[sorted.length - 1].toFixed(0).padStart(5)} ms`,
      );
    };
    console.log(`visits recorded: ${total.length}, refused: ${refused}`);
    line('POST visit (201)', request);
    line('visit to visible flag', total);
  } finally {
    await api.close();
    await worker.close();
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
