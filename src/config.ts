import { isIP } from 'node:net';
import { z } from 'zod';

// The environment, validated once at start. Precedence: an explicit override (tests, scripts), then the
// environment, then the default.

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An address, a CIDR range (`10.0.0.0/8`, `fd00::/8`) or one of proxy-addr's names. */
function isTrustedProxy(entry: string): boolean {
  const value = entry.trim();
  if (PROXY_NAMES.has(value)) return true;
  const [address = '', bits, extra] = value.split('/');
  const version = isIP(address);
  if (version === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128);
}

/** A duration in milliseconds, 0 to one day. */
const timeout = (fallback: number) =>
  z.coerce
    .number<string | number>({ error: 'must be a whole number of milliseconds' })
    .int('must be a whole number of milliseconds')
    .min(0, 'must be at least 0')
    .max(86_400_000, 'must be at most 86400000 (a day)')
    .default(fallback);

export const ConfigSchema = z.object({
  PORT: z.coerce
    .number<string | number>({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(0, 'must be between 0 and 65535')
    .max(65535, 'must be between 0 and 65535')
    .default(3000),
  HOST: z.string().trim().min(1, 'must not be empty').default('127.0.0.1'),
  DATABASE_PATH: z.string().trim().min(1, 'must not be empty').default('./data/itinerary.db'),
  /**
   * A PostgreSQL server to use instead of the SQLite file (`postgres://user:password@host:5432/database`, with any
   * of libpq's URL parameters node-postgres reads, such as `sslmode`). Unset: SQLite at DATABASE_PATH.
   */
  DATABASE_URL: z
    .string()
    .trim()
    .refine(
      (v) => /^postgres(ql)?:\/\/[^\s]+$/.test(v) && URL.canParse(v),
      'must be a postgres:// or postgresql:// URL such as postgres://user:password@localhost:5432/itinerary',
    )
    .optional(),
  /**
   * A Redis server for the rate limit's counts (`redis://host:6379`), shared by every instance; unset, each instance
   * counts its own requests.
   */
  REDIS_URL: z
    .string()
    .trim()
    .refine(
      (v) => /^rediss?:\/\/[^\s]+$/.test(v) && URL.canParse(v),
      'must be a redis:// or rediss:// URL such as redis://localhost:6379',
    )
    .optional(),
  /** Connections each instance keeps to PostgreSQL (with DATABASE_URL). */
  DATABASE_POOL_SIZE: z.coerce
    .number<string | number>({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(1000, 'must be at most 1000')
    .default(10),
  /**
   * Query texts each PostgreSQL connection keeps prepared on the server (named statements, planned once); 0 sends
   * every query unnamed, as a pooler in transaction mode needs (PgBouncer before 1.21, or without
   * max_prepared_statements).
   */
  DATABASE_PREPARED_STATEMENTS: z.coerce
    .number<string | number>({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(0, 'must be at least 0')
    .max(10_000, 'must be at most 10000')
    .default(256),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** public: anyone may read; key: reads need an API key too (any scope). Writes always need a key. */
  READ_ACCESS: z.enum(['public', 'key'], { error: 'must be public or key' }).default('public'),
  /** true: PATCH, PUT and DELETE must carry If-Match (428 otherwise), so no write can overwrite unseen changes. */
  REQUIRE_IF_MATCH: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('false')
    .transform((v) => v === 'true'),
  /** The largest request body accepted, in bytes; larger ones answer 413. */
  BODY_LIMIT: z.coerce
    .number<string | number>({ error: 'must be a whole number of bytes' })
    .int('must be a whole number of bytes')
    .min(1024, 'must be at least 1024')
    .max(10 * 1024 * 1024, 'must be at most 10485760')
    .default(100 * 1024),
  /** Origins allowed to call the API from a browser: a comma-separated list, `*` for any, empty for none. */
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .refine(
      (origins) => origins.every((o) => o === '*' || /^https?:\/\/[^/\s]+$/.test(o)),
      'must be * or a comma-separated list of origins such as https://app.example.org',
    ),
  /** Requests each client (API key, or IP address without one) may make per window; beyond it, 429. */
  RATE_LIMIT_MAX: z.coerce
    .number<string | number>({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .default(1000),
  /** The rate limit's window: milliseconds, or a duration such as "1 minute" or "30 seconds". */
  RATE_LIMIT_WINDOW: z
    .string()
    .regex(
      /^\d+(\s*(ms|s|sec|second|seconds|m|min|minute|minutes|h|hour|hours))?$/,
      'must be milliseconds or a duration such as "1 minute"',
    )
    .default('1 minute'),
  /**
   * Which proxies to believe about the client's address (X-Forwarded-For), as Fastify's trustProxy: `false`
   * (none: the address is the socket's peer), `true` (any), a number of hops, or a comma-separated list of
   * addresses, CIDR ranges and proxy-addr's names (loopback, linklocal, uniquelocal).
   */
  TRUST_PROXY: z
    .string()
    .trim()
    .refine(
      (v) => v === 'true' || v === 'false' || /^\d{1,2}$/.test(v) || v.split(',').every(isTrustedProxy),
      'must be true, false, a number of hops, or a comma-separated list of addresses or CIDR ranges',
    )
    .default('false')
    .transform((v): boolean | number | string =>
      v === 'true' ? true : v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v,
    ),
  /** Longest time to receive a whole request (headers and body), in ms; past it, 408. 0 turns it off. */
  REQUEST_TIMEOUT_MS: timeout(300_000),
  /** Longest time to receive a request's headers, in ms; past it, 408. At most REQUEST_TIMEOUT_MS. */
  HEADERS_TIMEOUT_MS: timeout(60_000),
  /** A socket idle for this long, in ms, is closed. 0 turns it off. */
  CONNECTION_TIMEOUT_MS: timeout(120_000),
  /** How long an idle keep-alive connection stays open after a response, in ms. */
  KEEP_ALIVE_TIMEOUT_MS: timeout(72_000),
  /** How long the change feed keeps its history; older tokens answer 410 Gone. */
  CHANGES_RETENTION_DAYS: z.coerce
    .number<string | number>({ error: 'must be a whole number of days' })
    .int('must be a whole number of days')
    .min(1, 'must be at least 1')
    .max(3650, 'must be at most 3650')
    .default(30),
  /** How often, in ms, open /changes/stream connections look for new changes (one cheap query per instance). */
  CHANGES_STREAM_POLL_MS: z.coerce
    .number<string | number>({ error: 'must be a whole number of milliseconds' })
    .int('must be a whole number of milliseconds')
    .min(50, 'must be at least 50')
    .max(60_000, 'must be at most 60000')
    .default(1000),
  /** How often, in ms, an open /changes/stream sends a comment, so that proxies do not close it as idle. */
  CHANGES_STREAM_HEARTBEAT_MS: z.coerce
    .number<string | number>({ error: 'must be a whole number of milliseconds' })
    .int('must be a whole number of milliseconds')
    .min(1000, 'must be at least 1000')
    .max(300_000, 'must be at most 300000')
    .default(15_000),
  /** Open /changes/stream connections per client (API key, or IP address without one); beyond it, 429. */
  CHANGES_STREAMS_PER_CLIENT: z.coerce
    .number<string | number>({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(10_000, 'must be at most 10000')
    .default(10),
  /**
   * The domain part of calendar event UIDs (`meeting-12@<domain>`). Calendar apps key events on the UID, so set
   * it once per deployment (a domain you control) and keep it: changing it duplicates every subscribed event.
   */
  CALENDAR_UID_DOMAIN: z
    .string()
    .trim()
    .regex(
      /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/,
      'must be a domain name such as itinerary.example.org',
    )
    .default('diplomatic-itinerary.invalid'),
  /** true: writes arriving together share one commit (one fsync); each answer waits for it. See plugins/group-commit. */
  GROUP_COMMIT: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('true')
    .transform((v) => v === 'true'),
  /** Megabytes of serialized itineraries (GET /trips/{id}?include=…) kept in memory; 0 turns the cache off. */
  ITINERARY_CACHE_MB: z.coerce
    .number<string | number>({ error: 'must be a whole number of megabytes' })
    .int('must be a whole number of megabytes')
    .min(0, 'must be at least 0')
    .max(4096, 'must be at most 4096')
    .default(32),
  /** Seed the article's itinerary when the database has no trips. */
  SEED_ON_START: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('true')
    .transform((v) => v === 'true'),
});

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

export class ConfigError extends Error {}

/** Reads the configuration; a bad value throws a ConfigError whose message is one line naming the variable. */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  overrides: ConfigInput = {},
): Config {
  const input: Record<string, unknown> = {};
  for (const key of Object.keys(ConfigSchema.shape)) {
    const value = key in overrides ? overrides[key as keyof ConfigInput] : env[key];
    // An empty variable counts as unset, as shells and Docker often pass them.
    if (value !== undefined && value !== '') input[key] = value;
  }
  const result = ConfigSchema.check((ctx) => {
    const { HEADERS_TIMEOUT_MS: headers, REQUEST_TIMEOUT_MS: request } = ctx.value;
    // Node refuses a headers timeout longer than the request timeout: say so at start, by name.
    if (request > 0 && (headers === 0 || headers > request)) {
      ctx.issues.push({
        code: 'custom',
        input: headers,
        path: ['HEADERS_TIMEOUT_MS'],
        message: `must be between 1 and REQUEST_TIMEOUT_MS (${request})`,
      });
    }
  }).safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'configuration');
      // A URL's password stays out of the message, which goes to logs.
      const shown = name.endsWith('_URL') ? redactUrl(String(input[name] ?? '')) : (input[name] ?? '');
      return `${name}=${JSON.stringify(shown)} ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return result.data;
}

/** `url` with its password, if any, replaced by `***` (for logs and messages). */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/i, '$1***@');
}

/** Which database the configuration names, for messages: the SQLite file, or the PostgreSQL URL without password. */
export function databaseName(config: Pick<Config, 'DATABASE_PATH' | 'DATABASE_URL'>): string {
  return config.DATABASE_URL === undefined ? config.DATABASE_PATH : redactUrl(config.DATABASE_URL);
}

/** Where the configuration puts the database, as prepareDatabase (db/prepare.ts) takes it. */
export function databaseLocation(
  config: Pick<
    Config,
    'DATABASE_PATH' | 'DATABASE_URL' | 'DATABASE_POOL_SIZE' | 'DATABASE_PREPARED_STATEMENTS'
  >,
): {
  path: string;
  url: string | undefined;
  poolSize: number;
  preparedStatements: number;
} {
  return {
    path: config.DATABASE_PATH,
    url: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    preparedStatements: config.DATABASE_PREPARED_STATEMENTS,
  };
}

/** For commands: the configuration, or a one-line message on stderr and exit code 1. */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

/**
 * Settings that are valid but unwise for this environment, as one-line messages for the start-up log (empty when
 * all is well). In production, a CALENDAR_UID_DOMAIN under `.invalid` (RFC 6761: never a real domain) is a
 * left-over default: calendar apps key events on the UID, so setting it later duplicates every subscribed event.
 */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.NODE_ENV === 'production' && /(^|\.)invalid$/i.test(config.CALENDAR_UID_DOMAIN)) {
    warnings.push(
      `CALENDAR_UID_DOMAIN is ${config.CALENDAR_UID_DOMAIN}, a placeholder: set it to a domain you control before ` +
        'anyone subscribes, as changing it later duplicates every event in their calendars',
    );
  }
  return warnings;
}
