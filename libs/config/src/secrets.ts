import { createHash, randomBytes } from 'node:crypto';

/**
 * Every secret the apps read, declared once. A name here is a required `Environment` property of type string
 * (at least MIN_SECRET_LENGTH characters, refused when it is a published value), and `npm run up` generates
 * a random value for it into `.env` on first run. Adding a secret is adding its name here (and a line in
 * `.env.example`); nothing has a default, so a forgotten value stops the apps at start-up.
 */
export const SECRET_VARIABLES = [
  /** HMAC key of access tokens (HS256). */
  'JWT_ACCESS_SECRET',
  /**
   * HMAC key of identity fingerprints (normalised name and birth date), which find the same person enrolled
   * at two sites without any site seeing the other's names. Changing it orphans existing fingerprints.
   */
  'IDENTITY_FINGERPRINT_KEY',
  /**
   * HMAC key of audit checkpoints (the head of the audit chain, signed): a key the database does not hold, so
   * a rewrite of the trail by whoever controls the database is detected. Rotating it makes earlier
   * checkpoints fail /audit/verify (docs/SECURITY.md).
   */
  'AUDIT_CHECKPOINT_KEY',
  /**
   * HMAC key of the noise in counts sponsors receive (apps/api/src/common/sponsor-disclosure.ts): whoever
   * holds it can subtract the noise. Rotating it changes every noisy count once, which is harmless unless a
   * sponsor keeps answers from before and after to average.
   */
  'DISCLOSURE_NOISE_KEY',
  /**
   * Key that encrypts webhook signing secrets at rest (AES-256-GCM): the registry must sign with them, so they
   * cannot be hashed, and a copy of the database alone must not let anyone forge a delivery. Rotating it
   * needs every endpoint's secret re-encrypted (docs/WEBHOOKS.md).
   */
  'WEBHOOK_SECRET_KEY',
  /**
   * HMAC key of the per-trial tokens a sponsor receives for referred participants (HMAC-SHA256 of the trial
   * id and the registry id): without it a token cannot be traced back to a registry id, nor two trials'
   * tokens of one person linked. Rotation: docs/PRIVACY.md ("Referral tokens"), with REFERRAL_TOKEN_PREVIOUS_KEY.
   */
  'REFERRAL_TOKEN_KEY',
  /**
   * Bearer token Prometheus sends to scrape GET /api/metrics and the worker's GET /metrics: the series name
   * routes, queues and volumes. Rotating it is changing it here and in the scrape configuration together.
   */
  'METRICS_TOKEN',
] as const;

export type SecretVariable = (typeof SECRET_VARIABLES)[number];

/**
 * Database passwords that `npm run up` generates into `.env` beside the secrets. The apps do not read them:
 * scripts/lib.sh builds DATABASE_URL (the app role) and MIGRATION_DATABASE_URL (the owner) from them when
 * those are not set, and docker/compose.yml requires both. Hex, so that they need no escaping in a URL.
 */
export const DATABASE_PASSWORD_VARIABLES = ['POSTGRES_PASSWORD', 'APP_DATABASE_PASSWORD'] as const;

export function generateDatabasePassword(): string {
  return randomBytes(24).toString('hex');
}

export const MIN_SECRET_LENGTH = 32;

/**
 * SHA-256 of secrets that were published (in the source, docs or git history) and so sign nothing: anyone can
 * forge a token or a fingerprint with them. Kept as hashes so that this file holds no usable secret.
 */
const PUBLISHED_SECRET_SHA256 = new Set([
  // The development JWT secret that libs/config used as a default until 2026-12.
  '488395041d5dbd3708f55e3fb6886c6c754b02ba08e2817bbdf8eb016530e2d2',
  // The development identity fingerprint key that libs/config used as a default until 2026-12.
  '83075dab07646b1b335939f1ca88b3923f9bcfa5a1a3f087f1b5a6da3bac3cf9',
]);

/** True when `value` is a secret known to be public (see PUBLISHED_SECRET_SHA256). */
export function isPublishedSecret(value: string): boolean {
  return PUBLISHED_SECRET_SHA256.has(createHash('sha256').update(value, 'utf8').digest('hex'));
}

/** A fresh secret: 48 random bytes, base64url (64 characters, safe unquoted in a shell or a .env file). */
export function generateSecret(): string {
  return randomBytes(48).toString('base64url');
}

/**
 * What is wrong with the value of one secret variable, or an empty list. Outside NODE_ENV=test a published
 * value is refused too; the test suite supplies its own secrets and never reaches a deployment.
 */
export function secretProblems(
  name: SecretVariable,
  value: string | undefined,
  nodeEnvironment: string,
): string[] {
  if (value === undefined || value === '') {
    return [
      `${name} is required (at least ${MIN_SECRET_LENGTH} characters); \`npm run up\` generates it into .env`,
    ];
  }
  const problems: string[] = [];
  if (value.length < MIN_SECRET_LENGTH) {
    problems.push(`${name} must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  if (nodeEnvironment !== 'test' && isPublishedSecret(value)) {
    problems.push(
      `${name} is a published development secret that anyone can sign with; set a new random value ` +
        '(delete the line from .env and run `npm run up` to generate one)',
    );
  }
  return problems;
}
