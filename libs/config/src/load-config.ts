import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { DEVELOPMENT_FINGERPRINT_KEY, DEVELOPMENT_JWT_SECRET, Environment } from './environment';

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

/**
 * Builds the validated configuration from a set of variables (by default `process.env`).
 * Empty strings count as unset so that `FOO=` in a .env file falls back to the default.
 */
export function loadConfig(source: Record<string, string | undefined> = process.env): Environment {
  const known = Object.keys(new Environment());
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
  if (config.NODE_ENV === 'production' && config.JWT_ACCESS_SECRET === DEVELOPMENT_JWT_SECRET) {
    problems.push({ variable: 'JWT_ACCESS_SECRET', rules: ['JWT_ACCESS_SECRET must be set in production'] });
  }
  if (config.NODE_ENV === 'production' && config.IDENTITY_FINGERPRINT_KEY === DEVELOPMENT_FINGERPRINT_KEY) {
    problems.push({
      variable: 'IDENTITY_FINGERPRINT_KEY',
      rules: ['IDENTITY_FINGERPRINT_KEY must be set in production'],
    });
  }
  if (problems.length > 0) throw new ConfigValidationError(problems);
  config.API_DOCS_ENABLED ??= config.NODE_ENV !== 'production';
  return config;
}
