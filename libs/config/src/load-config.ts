import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { Environment } from './environment';
import { SECRET_VARIABLES, secretProblems } from './secrets';

/** Thrown at start-up when one or more variables are missing or malformed; names every one of them. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: { variable: string; rules: string[] }[]) {
    super(
      'Invalid configuration; fix these environment variables:\n' +
        problems.map((p) => `  - ${p.variable}: ${p.rules.join('; ')}`).join('\n'),
    );
    this.name = 'ConfigValidationError';
  }
}

/** Every variable loadConfig reads: the properties of Environment with a default, and the secrets. */
export function environmentVariableNames(): string[] {
  return [...Object.keys(new Environment()), ...SECRET_VARIABLES];
}

/**
 * Builds the validated configuration from a set of variables (by default `process.env`).
 * Empty strings count as unset so that `FOO=` in a .env file falls back to the default.
 */
export function loadConfig(source: Record<string, string | undefined> = process.env): Environment {
  const known = environmentVariableNames();
  const plain: Record<string, string> = {};
  for (const key of known) {
    const value = source[key];
    if (value !== undefined && value !== '') plain[key] = value;
  }
  const config = plainToInstance(Environment, plain, { exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: true, forbidUnknownValues: true });
  const problems = errors.map((error) => ({
    variable: error.property,
    // Values are never echoed: a URL can hold a password.
    rules: Object.values(error.constraints ?? {}),
  }));
  // Secrets are checked here rather than by decorators: they have no default in any mode, and whether a
  // published value is acceptable depends on NODE_ENV (only the test suite may use one).
  for (const name of SECRET_VARIABLES) {
    const rules = secretProblems(name, plain[name], config.NODE_ENV);
    if (rules.length > 0) problems.push({ variable: name, rules });
    else config[name] = plain[name];
  }
  if (problems.length > 0) throw new ConfigValidationError(problems);
  config.API_DOCS_ENABLED ??= config.NODE_ENV !== 'production';
  return config;
}
