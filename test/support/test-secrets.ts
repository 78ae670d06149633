import { generateSecret, SECRET_VARIABLES } from '../../libs/config/src/secrets';

/**
 * The test suite's secrets: the apps have no default for any of them, so each test run generates its own
 * (the e2e global set-up, before the workers start, so every file of a run shares them; the unit tests per
 * file). A value already in the environment is kept.
 */
export function supplyTestSecrets(environment: Record<string, string | undefined> = process.env): void {
  for (const name of SECRET_VARIABLES) {
    if (!environment[name]) environment[name] = generateSecret();
  }
}

/** The secrets of the environment (as supplied above), to pass to an app started as a process. */
export function secretsOf(source: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(SECRET_VARIABLES.map((name) => [name, source[name] ?? '']));
}
