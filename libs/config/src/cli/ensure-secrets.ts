import { ensureSecretsInEnvFile } from '../env-file-secrets';
import { DATABASE_PASSWORD_VARIABLES, generateDatabasePassword } from '../secrets';

/**
 * `node dist/libs/config/src/cli/ensure-secrets.js [.env]`, run by `npm run up` before anything reads the
 * configuration: gives each secret of SECRET_VARIABLES a random value in the .env file (created with mode
 * 0600 if absent) and keeps every value already there; likewise each database password of
 * DATABASE_PASSWORD_VARIABLES, from which scripts/lib.sh builds the connection URLs.
 */
function main(path: string): void {
  const secrets = ensureSecretsInEnvFile(path, { environment: process.env });
  const passwords = ensureSecretsInEnvFile(path, {
    environment: process.env,
    names: DATABASE_PASSWORD_VARIABLES,
    generate: generateDatabasePassword,
  });
  const result = {
    created: secrets.created,
    narrowed: secrets.narrowed,
    generated: [...secrets.generated, ...passwords.generated],
    fromEnvironment: [...secrets.fromEnvironment, ...passwords.fromEnvironment],
  };
  const said: string[] = [];
  if (result.created) said.push(`created ${path} (mode 0600)`);
  if (result.generated.length > 0) said.push(`generated ${result.generated.join(', ')} into ${path}`);
  if (result.fromEnvironment.length > 0)
    said.push(`kept ${result.fromEnvironment.join(', ')} from the environment (not written to ${path})`);
  if (result.narrowed) said.push(`made ${path} readable by its owner only (mode 0600)`);
  process.stdout.write(`${said.length > 0 ? said.join('; ') : `secrets already in ${path}`}\n`);
}

try {
  main(process.argv[2] ?? '.env');
} catch (error: unknown) {
  process.stderr.write(`ensure-secrets: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
