import 'reflect-metadata';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateIf,
  ValidateBy,
} from 'class-validator';
import {
  DEFAULT_DECLINE_SUPPRESSION_DAYS,
  DEFAULT_DISCLOSURE_SETTINGS,
  DEFAULT_REMINDER_SETTINGS,
  isTimeOfDay,
  LOWEST_MINIMUM_CELL_SIZE,
} from '@registry/domain';
import { IsConnectionUrl } from './is-connection-url';
import type { SecretVariable } from './secrets';

export const NODE_ENVIRONMENTS = ['development', 'test', 'production'] as const;
export type NodeEnvironment = (typeof NODE_ENVIRONMENTS)[number];

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
/** "true" and "false" become booleans; anything else stays as written, for IsBoolean to name. */
const booleanText = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : value;

/**
 * Every environment variable the apps read, with its default for local use; the secrets (SECRET_VARIABLES)
 * have none and are declared in the interface below.
 * `loadConfig` is the only place that looks at `process.env`; everything else receives an instance of this class.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- loadConfig sets the secrets
export class Environment {
  @IsIn(NODE_ENVIRONMENTS)
  NODE_ENV: NodeEnvironment = 'development';

  @Transform(trimmed)
  @IsConnectionUrl(['postgres:', 'postgresql:'])
  DATABASE_URL = 'postgres://trialready_app@127.0.0.1:5432/trialready';

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE = 10;

  @Transform(trimmed)
  @IsConnectionUrl(['redis:', 'rediss:'])
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** Prefix of every BullMQ key, so that two deployments (or two test runs) can share one Redis. */
  @Matches(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, {
    message: 'REDIS_KEY_PREFIX must be 1-64 characters of letters, digits, "_", "." or "-"',
  })
  REDIS_KEY_PREFIX = 'trialready';

  @IsString()
  @MinLength(1)
  /** Loopback unless configured otherwise: the API is reached through a proxy or a published container port. */
  API_HOST = '127.0.0.1';

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  API_PORT = 3000;

  /** The worker serves nothing but its health on this port. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  WORKER_HEALTH_PORT = 3001;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  /** How long a process waits for in-flight work on SIGTERM before it gives up and exits. */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  @Max(600000)
  SHUTDOWN_TIMEOUT_MS = 25000;

  @Type(() => Number)
  @IsInt()
  @Min(60)
  @Max(3600)
  ACCESS_TOKEN_TTL_SECONDS = 900;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(90)
  REFRESH_TOKEN_TTL_DAYS = 14;

  /** Consecutive wrong passwords that lock an account. */
  @Type(() => Number)
  @IsInt()
  @Min(3)
  @Max(20)
  LOGIN_MAX_FAILED_ATTEMPTS = 7;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(86400)
  LOGIN_LOCK_SECONDS = 900;

  /** Requests one client IP address may make per minute, to any route (past it: 429 with Retry-After). */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(1000000)
  RATE_LIMIT_PER_IP_PER_MINUTE = 1200;

  /** Requests one signed-in user may make per minute, to any route, from any address. */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(1000000)
  RATE_LIMIT_PER_USER_PER_MINUTE = 600;

  /**
   * Which proxies in front of the API to trust for the client's address (X-Forwarded-For), as Express's
   * `trust proxy`: "false" (none: the address of the connection, the default), "true" (any: only when the API
   * is reachable through the proxy alone), a number of hops, or a comma-separated list of addresses, subnets
   * (CIDR) or the names loopback, linklocal, uniquelocal. The per-IP limits count by the address found.
   */
  @Matches(
    /^(false|true|[0-9]{1,2}|((loopback|linklocal|uniquelocal|[0-9A-Fa-f.:]+(\/[0-9]{1,3})?)(\s*,\s*|$))+)$/,
    {
      message:
        'TRUST_PROXY must be false, true, a number of hops, or a comma-separated list of addresses, CIDR subnets, loopback, linklocal or uniquelocal',
    },
  )
  TRUST_PROXY = 'false';

  /** Log-in attempts one IP address may make per minute. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10000)
  LOGIN_RATE_LIMIT_PER_MINUTE = 30;

  /** The first admin, created on the API's first start when no admin exists (both or neither). */
  @IsOptional()
  @IsEmail({}, { message: 'BOOTSTRAP_ADMIN_EMAIL must be an e-mail address' })
  BOOTSTRAP_ADMIN_EMAIL?: string = undefined;

  @ValidateIf((env: Environment) => env.BOOTSTRAP_ADMIN_EMAIL !== undefined)
  @IsString({ message: 'BOOTSTRAP_ADMIN_PASSWORD must be set when BOOTSTRAP_ADMIN_EMAIL is' })
  @MinLength(12)
  BOOTSTRAP_ADMIN_PASSWORD?: string = undefined;

  /** How often the outbox relay looks for unpublished events when no NOTIFY arrives (it also wakes on NOTIFY). */
  @Type(() => Number)
  @IsInt()
  @Min(50)
  @Max(60000)
  OUTBOX_POLL_INTERVAL_MS = 1000;

  /**
   * How long a worker's lock on a job lasts without renewal (renewed at half this while the job runs). A
   * worker that dies leaves its jobs stalled; another worker picks them up once the lock has expired.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  @Max(600000)
  WORKER_LOCK_DURATION_MS = 30000;

  /**
   * Screening jobs one worker runs at once: participants' screens, cohort runs and their partitions. One
   * process judges on one core; with a run split into partitions, fewer per worker leaves more of them to
   * the other workers (docs/OPERATIONS.md).
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(32)
  WORKER_SCREENING_CONCURRENCY = 4;

  /** How often each worker looks for stalled jobs (whose lock expired) to hand them out again. */
  @Type(() => Number)
  @IsInt()
  @Min(500)
  @Max(600000)
  WORKER_STALLED_INTERVAL_MS = 30000;

  /**
   * Participants screened per transaction in a cohort re-screen; a run's cursor moves with each batch.
   * Larger batches were no faster (docs/PERFORMANCE.md), and smaller ones commit the cursor more often.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10000)
  SCREENING_BATCH_SIZE = 1000;

  /**
   * Batches of a cohort re-screen writing at once, each in its own transaction (and database connection, so
   * keep it below DATABASE_POOL_SIZE), besides the next batch being read. Since the next batch is read while
   * one is judged, 1 and 2 gave the same re-screen time (docs/PERFORMANCE.md); more matter only where many
   * batches have much to write.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(8)
  SCREENING_BATCHES_IN_FLIGHT = 2;

  /**
   * The most partitions a cohort run is split into, each a job that any worker takes, so that several worker
   * processes share one run (docs/OPERATIONS.md); 1: never split, one worker walks the whole run. A run gets
   * one partition per SCREENING_PARTITION_SIZE participants it walks (rounded up), within 1 and this.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(64)
  SCREENING_PARTITIONS = 16;

  /**
   * Participants per partition of a cohort run (see SCREENING_PARTITIONS). 50,000 take one worker a few
   * seconds to re-screen (docs/PERFORMANCE.md): a daily re-screen or a small cohort stays one job, walked as before,
   * while a cohort of 1,000,000 is split 16 ways and finishes about as fast as the workers can share it.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  SCREENING_PARTITION_SIZE = 50_000;

  /**
   * The wall-clock time at each site (HH:MM, 24-hour) from which its daily re-screen runs, judging the site's
   * participants on the site's new calendar day. Choose a time that exists every day: at 02:00-02:59 a
   * spring-forward day skips it, and the re-screen then runs at the first time after it.
   */
  @ValidateBy({
    name: 'isTimeOfDay',
    validator: {
      validate: (value) => typeof value === 'string' && isTimeOfDay(value),
      defaultMessage: () => 'DAILY_RESCREEN_LOCAL_TIME must be a time of day as HH:MM (00:00-23:59)',
    },
  })
  DAILY_RESCREEN_LOCAL_TIME = '00:15';

  /**
   * The wall-clock time at each site (HH:MM) from which its daily reminders run (visit windows, missed visits,
   * results about to leave a trial's recency window), on the site's calendar day.
   */
  @ValidateBy({
    name: 'isTimeOfDay',
    validator: {
      validate: (value) => typeof value === 'string' && isTimeOfDay(value),
      defaultMessage: () => 'REMINDER_LOCAL_TIME must be a time of day as HH:MM (00:00-23:59)',
    },
  })
  REMINDER_LOCAL_TIME = '07:00';

  /** "Window opens soon" is sent this many days before a visit's window opens. */
  @Type(() => Number)
  @IsInt({ message: 'REMINDER_OPENS_WITHIN_DAYS must be a whole number' })
  @Min(1)
  @Max(90)
  REMINDER_OPENS_WITHIN_DAYS = DEFAULT_REMINDER_SETTINGS.opensWithinDays;

  /** "Window closes soon" is sent this many days before an open window closes without a visit. */
  @Type(() => Number)
  @IsInt({ message: 'REMINDER_CLOSES_WITHIN_DAYS must be a whole number' })
  @Min(1)
  @Max(90)
  REMINDER_CLOSES_WITHIN_DAYS = DEFAULT_REMINDER_SETTINGS.closesWithinDays;

  /** "Re-test to stay trial-ready" is sent when the deciding result stops counting within this many days. */
  @Type(() => Number)
  @IsInt({ message: 'REMINDER_FRESHNESS_WITHIN_DAYS must be a whole number' })
  @Min(1)
  @Max(365)
  REMINDER_FRESHNESS_WITHIN_DAYS = DEFAULT_REMINDER_SETTINGS.freshnessWithinDays;

  /**
   * The SMTP server notifications are e-mailed through (smtp://user:password@host:port, or smtps:// for TLS
   * from the start). Unset: e-mail is off and notifications stay in the inbox only.
   */
  @IsOptional()
  @Transform(trimmed)
  @IsConnectionUrl(['smtp:', 'smtps:'])
  SMTP_URL?: string = undefined;

  /** The From address of notification e-mails. */
  @IsEmail({}, { message: 'SMTP_FROM must be an e-mail address' })
  SMTP_FROM = 'registry@trialready.example';

  /** The wall-clock time at each site (HH:MM) the daily digest e-mail is sent from. */
  @ValidateBy({
    name: 'isTimeOfDay',
    validator: {
      validate: (value) => typeof value === 'string' && isTimeOfDay(value),
      defaultMessage: () => 'EMAIL_DIGEST_LOCAL_TIME must be a time of day as HH:MM (00:00-23:59)',
    },
  })
  EMAIL_DIGEST_LOCAL_TIME = '07:30';

  /** Permanent failures in a row to one address after which admins are told it keeps bouncing. */
  @Type(() => Number)
  @IsInt({ message: 'EMAIL_BOUNCE_THRESHOLD must be a whole number' })
  @Min(1)
  @Max(100)
  EMAIL_BOUNCE_THRESHOLD = 3;

  /**
   * Serve the OpenAPI UI and document at /api/docs. Unset, loadConfig turns it on except when
   * NODE_ENV=production, where the route map need not be public.
   */
  @IsOptional()
  @Transform(booleanText)
  @IsBoolean({ message: 'API_DOCS_ENABLED must be true or false' })
  API_DOCS_ENABLED?: boolean = undefined;

  /** Enrolment attempts (each one a duplicate check across all sites) one user may make per minute. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10000)
  DUPLICATE_CHECK_RATE_LIMIT_PER_MINUTE = 30;

  /**
   * Queries one sponsor organisation may make per SPONSOR_QUERY_WINDOW_SECONDS (feasibility counts, and the
   * first read of a trial's pool at each criteria version), all its users together: differencing and
   * averaging attacks need many queries, and every one is audited, refused ones too.
   */
  @Type(() => Number)
  @IsInt({ message: 'SPONSOR_QUERY_LIMIT must be a whole number' })
  @Min(1, { message: 'SPONSOR_QUERY_LIMIT must be at least 1' })
  @Max(100000, { message: 'SPONSOR_QUERY_LIMIT must be at most 100000' })
  SPONSOR_QUERY_LIMIT = 60;

  /**
   * Days for which a participant who declined a referral for a trial gets no new flag for that trial
   * (libs/domain `flagsSuppressedUntil`).
   */
  @Type(() => Number)
  @IsInt({ message: 'REFERRAL_DECLINE_SUPPRESSION_DAYS must be a whole number' })
  @Min(0, { message: 'REFERRAL_DECLINE_SUPPRESSION_DAYS must be at least 0' })
  @Max(3650, { message: 'REFERRAL_DECLINE_SUPPRESSION_DAYS must be at most 3650 (ten years)' })
  REFERRAL_DECLINE_SUPPRESSION_DAYS = DEFAULT_DECLINE_SUPPRESSION_DAYS;

  /**
   * The REFERRAL_TOKEN_KEY in force before the last rotation, if any: tokens made under it are still
   * recognised (`previousToken` in the sponsor's referral list) until every sponsor has matched its records
   * to the new ones (docs/PRIVACY.md, "Referral tokens"). Unset outside a rotation.
   */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'REFERRAL_TOKEN_PREVIOUS_KEY must be at least 32 characters' })
  REFERRAL_TOKEN_PREVIOUS_KEY?: string = undefined;

  /** The length of the fixed windows in which SPONSOR_QUERY_LIMIT counts (seconds; a week at most). */
  @Type(() => Number)
  @IsInt({ message: 'SPONSOR_QUERY_WINDOW_SECONDS must be a whole number' })
  @Min(60, { message: 'SPONSOR_QUERY_WINDOW_SECONDS must be at least 60' })
  @Max(604800, { message: 'SPONSOR_QUERY_WINDOW_SECONDS must be at most 604800 (a week)' })
  SPONSOR_QUERY_WINDOW_SECONDS = 3600;

  /**
   * How old the cohort projection feasibility queries are answered from may grow (seconds). Building it
   * reads every participant (about a minute per million); a query finding it older starts a new one in the
   * background and is answered from the current one, whose time the answer states.
   */
  @Type(() => Number)
  @IsInt({ message: 'FEASIBILITY_SNAPSHOT_MAX_AGE_SECONDS must be a whole number' })
  @Min(10, { message: 'FEASIBILITY_SNAPSHOT_MAX_AGE_SECONDS must be at least 10' })
  @Max(86400, { message: 'FEASIBILITY_SNAPSHOT_MAX_AGE_SECONDS must be at most 86400 (a day)' })
  FEASIBILITY_SNAPSHOT_MAX_AGE_SECONDS = 600;

  /**
   * How often (seconds) an API process that has answered a feasibility query checks whether its cohort
   * projection must be rebuilt (a site's day turned, a consent withdrawn, past the maximum age), so that the
   * rebuild runs in the background rather than while a query waits.
   */
  @Type(() => Number)
  @IsInt({ message: 'FEASIBILITY_SNAPSHOT_CHECK_SECONDS must be a whole number' })
  @Min(5, { message: 'FEASIBILITY_SNAPSHOT_CHECK_SECONDS must be at least 5' })
  @Max(3600, { message: 'FEASIBILITY_SNAPSHOT_CHECK_SECONDS must be at most 3600 (an hour)' })
  FEASIBILITY_SNAPSHOT_CHECK_SECONDS = 60;

  /**
   * A query finding the sponsor counts' snapshot old (screening has stored a change since it was read, or it
   * is past its maximum age) waits for the next one, rather than being answered from it while the next is
   * built, when the last build took at most this long (ms): half the two seconds a sponsor's answer is
   * promised in. A small registry then always answers from what screening stored last; a large one answers
   * at once from a snapshot a build old.
   */
  @Type(() => Number)
  @IsInt({ message: 'FEASIBILITY_SNAPSHOT_QUICK_BUILD_MS must be a whole number' })
  @Min(0, { message: 'FEASIBILITY_SNAPSHOT_QUICK_BUILD_MS must be at least 0' })
  @Max(60000, { message: 'FEASIBILITY_SNAPSHOT_QUICK_BUILD_MS must be at most 60000 (a minute)' })
  FEASIBILITY_SNAPSHOT_QUICK_BUILD_MS = 1000;

  /**
   * Whether an API process reads the sponsor counts' snapshot as it starts (and keeps it current from then
   * on), rather than at the first sponsor query, which then waits for it: about three minutes at 1,000,000
   * participants. For the replicas that serve sponsors of a large registry; off, a process no sponsor asks
   * never reads the cohort.
   */
  @Transform(booleanText)
  @IsBoolean({ message: 'FEASIBILITY_SNAPSHOT_AT_START must be true or false' })
  FEASIBILITY_SNAPSHOT_AT_START = false;

  /**
   * Disclosure control of the counts sponsors receive (libs/domain/src/disclosure, docs/SECURITY.md): a count
   * from 1 to this minus 1 is published as "<k". Never below 5, OHDSI's floor: a smaller cell can single out
   * a person.
   */
  @Type(() => Number)
  @IsInt({ message: 'DISCLOSURE_MIN_CELL_SIZE must be a whole number' })
  @Min(LOWEST_MINIMUM_CELL_SIZE, {
    message: `DISCLOSURE_MIN_CELL_SIZE must be at least ${LOWEST_MINIMUM_CELL_SIZE}: a smaller cell can single out a person`,
  })
  @Max(1000)
  DISCLOSURE_MIN_CELL_SIZE = DEFAULT_DISCLOSURE_SETTINGS.minimumCellSize;

  /** Counts sponsors receive are rounded to a multiple of this (after noise). */
  @Type(() => Number)
  @IsInt({ message: 'DISCLOSURE_ROUND_TO must be a whole number' })
  @Min(1)
  @Max(1000)
  DISCLOSURE_ROUND_TO = DEFAULT_DISCLOSURE_SETTINGS.roundTo;

  /**
   * The noise added to a count before rounding is a whole number from minus this to this, fixed per question
   * and data version by DISCLOSURE_NOISE_KEY. Below the minimum cell size, so that noise cannot carry a
   * small count past the suppression it is meant to back up.
   */
  @Type(() => Number)
  @IsInt({ message: 'DISCLOSURE_NOISE_BOUND must be a whole number' })
  @Min(0)
  @ValidateBy({
    name: 'isBelowMinimumCellSize',
    validator: {
      // A cell size that is itself bad is reported on its own line, not again here.
      validate: (value, args) => {
        const k = (args?.object as Environment).DISCLOSURE_MIN_CELL_SIZE;
        return typeof value === 'number' && (!Number.isInteger(k) || value < k);
      },
      defaultMessage: () => 'DISCLOSURE_NOISE_BOUND must be below DISCLOSURE_MIN_CELL_SIZE',
    },
  })
  DISCLOSURE_NOISE_BOUND = DEFAULT_DISCLOSURE_SETTINGS.noiseBound;

  /**
   * Hosts (names or addresses, comma-separated) that webhook endpoints may use although they resolve to a
   * private, loopback or link-local address (libs/domain/src/webhooks/endpoint-address.ts). Empty by default:
   * no endpoint may reach into the registry's own network. Outside production these hosts may use http.
   */
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((host) => host.trim().toLowerCase())
          .filter((host) => host.length > 0)
      : value,
  )
  @IsString({ each: true })
  WEBHOOK_ALLOWED_HOSTS: string[] = [];

  /** How long one webhook delivery attempt may take (connect, send, response status) before it fails. */
  @Type(() => Number)
  @IsInt({ message: 'WEBHOOK_TIMEOUT_MS must be a whole number' })
  @Min(100, { message: 'WEBHOOK_TIMEOUT_MS must be at least 100' })
  @Max(60000, { message: 'WEBHOOK_TIMEOUT_MS must be at most 60000' })
  WEBHOOK_TIMEOUT_MS = 10000;

  /** The wait after a webhook delivery's first failure; it doubles with each failure up to two hours. */
  @Type(() => Number)
  @IsInt({ message: 'WEBHOOK_RETRY_BASE_MS must be a whole number' })
  @Min(50, { message: 'WEBHOOK_RETRY_BASE_MS must be at least 50' })
  @Max(3600000, { message: 'WEBHOOK_RETRY_BASE_MS must be at most 3600000' })
  WEBHOOK_RETRY_BASE_MS = 30000;

  /** A webhook delivery still failing this many hours after it was created is parked as failed. */
  @Type(() => Number)
  @IsInt({ message: 'WEBHOOK_GIVE_UP_HOURS must be a whole number' })
  @Min(1, { message: 'WEBHOOK_GIVE_UP_HOURS must be at least 1' })
  @Max(168, { message: 'WEBHOOK_GIVE_UP_HOURS must be at most 168 (a week)' })
  WEBHOOK_GIVE_UP_HOURS = 24;

  /**
   * The time of day (UTC) from which each trial's daily webhook reports (`trial.pool_changed`,
   * `referral.outcome`) are checked and, where the published figures changed, sent: once a day per trial.
   */
  @ValidateBy({
    name: 'isTimeOfDay',
    validator: {
      validate: (value) => typeof value === 'string' && isTimeOfDay(value),
      defaultMessage: () => 'WEBHOOK_REPORT_UTC_TIME must be a time of day as HH:MM (00:00-23:59)',
    },
  })
  WEBHOOK_REPORT_UTC_TIME = '06:00';

  /**
   * The owner of the schema: migrations, the demo seed and the services script connect with it; the apps never
   * do (they use DATABASE_URL, the app role, which owns nothing; see docs/SECURITY.md).
   */
  @Transform(trimmed)
  @IsConnectionUrl(['postgres:', 'postgresql:'])
  MIGRATION_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/trialready';
}

/**
 * The secrets, one string property per name in SECRET_VARIABLES (secrets.ts), so that a secret is declared in
 * one place. They have no default; loadConfig checks and sets them.
 */
// The merged properties are not initialised by the class, which is the point: loadConfig sets each one.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface Environment extends Record<SecretVariable, string> {}
