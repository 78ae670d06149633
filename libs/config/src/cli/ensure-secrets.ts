import { ensureSecretsInEnvFile } from '../env-file-secrets';

/**
 * `node dist/libs/config/src/cli/ensure-secrets.js [.env]`, run by `npm run up` before anything reads the
 * configuration: gives each secret of SECRET_VARIABLES a random value in the .env file (created with mode
 * 0600 if absent) and keeps every value already there.
 */
function main(path: string): void {
  const result = ensureSecretsInEnvFile(path, { environment: process.env });
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
