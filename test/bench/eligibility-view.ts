import { argument, describeMachine, openBenchCohort, percentile } from './support/bench-cohort';
import { startBenchApi } from './support/bench-api';

/**
 * Latency of one participant's eligibility view across all trials (GET /participants/:id/eligibility, as
 * a Tokyo coordinator), for participants picked at random, one request at a time over loopback.
 *
 *   npm run bench:eligibility-view -- --participants 100000 --requests 1000
 */
async function main(): Promise<void> {
  const participants = Number(argument('participants', '100000'));
  const requests = Number(argument('requests', '1000'));
  const cohort = await openBenchCohort(participants);
  const { dataSource } = cohort;
  console.log(await describeMachine(dataSource));
  const api = await startBenchApi(cohort.config, cohort.demoPassword);
  try {
    const ids = (
      await dataSource.query<{ id: string }[]>(
        `SELECT p.id FROM participant p JOIN site s ON s.id = p.site_id AND s.code = 'TKY' ORDER BY random() LIMIT $1`,
        [requests],
      )
    ).map((row) => row.id);
    const [{ determinations }] = await dataSource.query<{ determinations: number }[]>(
      `SELECT count(*)::int AS determinations FROM eligibility_determination`,
    );
    console.log(`cohort: ${cohort.participants} participants, ${determinations} determinations`);
    const auth = await api.login('coordinator.tky@demo.trialready.example');
    const timings: number[] = [];
    let trialsShown = 0;
    for (const id of ids) {
      const started = performance.now();
      const res = await fetch(`${api.url}/api/v1/participants/${id}/eligibility`, {
        headers: { authorization: auth },
      });
      const body = (await res.json()) as unknown[];
      timings.push(performance.now() - started);
      if (res.status !== 200) throw new Error(`eligibility view: ${res.status} ${JSON.stringify(body)}`);
      trialsShown += body.length;
    }
    const sorted = timings.sort((a, b) => a - b);
    console.log(
      `eligibility view (${ids.length} requests, ${(trialsShown / ids.length).toFixed(1)} trials each): ` +
        `p50 ${percentile(sorted, 50).toFixed(1)} ms, p95 ${percentile(sorted, 95).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms`,
    );
  } finally {
    await api.close();
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
