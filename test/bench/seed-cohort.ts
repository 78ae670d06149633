import { argument, describeMachine, openBenchCohort } from './support/bench-cohort';

/**
 * Writes (or tops up) a benchmark cohort and nothing else, so the long seed of a large cohort can run ahead
 * of the benchmarks that read it:
 *
 *   npm run bench:seed -- --participants 1000000
 *
 * The other benchmarks call the same `openBenchCohort` and seed on first use when this has not been run.
 */
async function main(): Promise<void> {
  const participants = Number(argument('participants', '100000'));
  const cohort = await openBenchCohort(participants);
  try {
    console.log(await describeMachine(cohort.dataSource));
    console.log(`cohort: ${cohort.participants} participants in ${cohort.databaseName}`);
  } finally {
    await cohort.dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
