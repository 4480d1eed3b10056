import { spawn } from 'node:child_process';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import {
  type AppError,
  BusyError,
  ConstraintViolatedError,
  DatabaseUnavailableError,
  DuplicateError,
  ReferenceConflictError,
} from '../errors.js';
import { bindPostgresConnection, bindPostgresEngine, type Db } from './connection.js';
import { type DatabaseHandle, type Transaction, viewsByName } from './handle.js';
import type { IntegrityReport } from './maintenance.js';
import * as pgSchema from './schema-pg.js';

// The database handle on PostgreSQL (DATABASE_URL): a pool of connections (node-postgres), shared by every request
// of this instance, and by as many instances as the server allows. Unlike SQLite's, the handle runs work
// concurrently: each transaction holds a connection of its own from BEGIN to COMMIT, and PostgreSQL keeps them
// apart (READ COMMITTED for writes, whose rules take their own locks; REPEATABLE READ, READ ONLY for reads, so that
// the several queries of one answer see one state).
//
// Who writes: the audit triggers read `app.actor`, which each write transaction sets (set_config(…, true): for that
// transaction only) from the writer its view names (`as(name)`: each request's API key, each command's name).
//
// The generation: a transaction that writes a change-feed row (a trip, stop, meeting, participant or attendance)
// bumps one of the rows of `cache_generation`, once (migrations/postgres/0002 and 0004); their sum, read in one round
// trip, changes when such a write commits, whichever instance made it, and is the same before it commits.

/** Type parsers for the answers of plain SQL (queries.ts): counts and sums as numbers, JSON as its text (as SQLite). */
const RAW_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    switch (oid) {
      case pg.types.builtins.INT8:
      case pg.types.builtins.NUMERIC:
        return (value: string) => Number(value);
      case pg.types.builtins.JSON:
      case pg.types.builtins.JSONB:
        return (value: string) => value;
      default:
        return pg.types.getTypeParser(oid, format);
    }
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** SQLSTATE classes and codes that mean the server or the connection went away (PostgreSQL's appendix A). */
const UNAVAILABLE = /^(08|57P0[1-4]|53300|3D000)/;
/** Node's errors for a socket that could not connect or was cut. */
const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN']);

type PgLike = { code?: unknown; cause?: unknown; message?: unknown };

/** `error` and its causes, outermost first, at most four deep (drizzle wraps the driver's errors). */
function* causes(error: unknown): Generator<PgLike> {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth += 1) {
    yield current as PgLike;
    current = (current as PgLike).cause;
  }
}

/** The SQLSTATE (or Node socket code) of `error` or of one of its causes. */
function errorCode(error: unknown): string | undefined {
  for (const cause of causes(error)) if (typeof cause.code === 'string') return cause.code;
  return undefined;
}

/** node-postgres's words for a connection that is gone, which come without a code. */
const CONNECTION_LOST_WORDS =
  /Connection terminated|connection.*(closed|ended)|Client has encountered a connection error|timeout exceeded when trying to connect|not queryable|Query read timeout/i;

/** True when `error` says the connection or the server is gone, not that the statement was wrong. */
function connectionLost(error: unknown): boolean {
  const code = errorCode(error);
  if (code !== undefined && (UNAVAILABLE.test(code) || SOCKET_ERRORS.has(code))) return true;
  for (const cause of causes(error)) if (CONNECTION_LOST_WORDS.test(String(cause.message ?? ''))) return true;
  return false;
}

/** The domain error of a SQLSTATE (https://www.postgresql.org/docs/current/errcodes-appendix.html), if any. */
function domainErrorOf(error: unknown): AppError | undefined {
  const code = errorCode(error);
  switch (code) {
    case '23503':
      return new ReferenceConflictError();
    case '23505':
      return new DuplicateError();
    case '23514':
    case '23502':
    // A value out of its column's range (an integer past 2^31) or not of its type: the data model's rule too.
    case '22003':
    case '22P02':
    case '22007':
    case '22008':
      return new ConstraintViolatedError();
    case '40001':
    case '40P01':
    case '55P03':
      return new BusyError();
    default:
      return connectionLost(error) ? new DatabaseUnavailableError() : undefined;
  }
}

/** Statement texts that may have a name on the server (parsed and planned once per connection, then reused). */
const NAMED_STATEMENTS = 256;
/**
 * The most parameters of a named statement: a text with more is an `in (…)` list of one length among many, whose
 * names would fill the bounded set for good, and whose plan depends on its values anyway.
 */
const NAMED_MAX_PARAMETERS = 32;
/** How many times a text is run before it gets a name: a query built once (an id list of a rare length) stays unnamed. */
const NAMING_THRESHOLD = 2;

/**
 * The server-side prepared statements of this process: each SQL text that runs often gets a name (`itinerary_N`,
 * the same for every connection), and node-postgres then parses it once per connection and only binds and runs it
 * after that; PostgreSQL plans it once and, after five runs, keeps a generic plan when that is no worse
 * (plan_cache_mode). Planning cost more than running for most of the API's queries (0.3–0.9 ms against 0.02–0.1 ms,
 * measured with pg_stat_statements under the write benchmark), as drizzle sends its queries unnamed. The names are
 * bounded (DATABASE_PREPARED_STATEMENTS, default NAMED_STATEMENTS), so each connection holds at most that many
 * statements on the server (0 names none: a pooler in transaction mode, such as PgBouncer before 1.21, cannot
 * follow named statements from one server connection to the next); texts seen
 * once are counted in a map that is emptied when it grows past a bound of its own.
 */
export class StatementNames {
  private readonly names = new Map<string, string>();
  private readonly seen = new Map<string, number>();

  constructor(
    readonly capacity = NAMED_STATEMENTS,
    private readonly threshold = NAMING_THRESHOLD,
  ) {}

  /** The name of `text`, or undefined while it has run fewer than `threshold` times or names are used up. */
  nameOf(text: string): string | undefined {
    const name = this.names.get(text);
    if (name !== undefined || this.names.size >= this.capacity) return name;
    const runs = (this.seen.get(text) ?? 0) + 1;
    if (runs < this.threshold) {
      if (this.seen.size >= this.capacity * 16) this.seen.clear();
      this.seen.set(text, runs);
      return undefined;
    }
    this.seen.delete(text);
    const named = `itinerary_${this.names.size + 1}`;
    this.names.set(text, named);
    return named;
  }

  /** How many texts have a name. */
  get size(): number {
    return this.names.size;
  }
}

type QueryConfigLike = { text?: unknown; name?: unknown; values?: unknown; submit?: unknown };

/**
 * Makes `client` run the parameterized queries it is given as named statements of `names` (the queries drizzle
 * and queries.ts send: a config object or a text with a values array). A text without values keeps the simple
 * protocol, which may hold several statements (`BEGIN; SELECT set_config(…)`); a submittable (a cursor, a stream)
 * is left as it is.
 */
function nameStatements(client: pg.PoolClient, names: StatementNames): void {
  const query = client.query as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = function (this: pg.PoolClient, ...args: unknown[]) {
    const [first, values] = args;
    if (typeof first === 'object' && first !== null) {
      const config = first as QueryConfigLike;
      const bound = Array.isArray(values) ? values : Array.isArray(config.values) ? config.values : undefined;
      if (
        typeof config.text === 'string' &&
        config.name === undefined &&
        config.submit === undefined &&
        bound !== undefined &&
        bound.length <= NAMED_MAX_PARAMETERS
      ) {
        const name = names.nameOf(config.text);
        if (name !== undefined) args[0] = { ...config, name };
      }
    } else if (typeof first === 'string' && Array.isArray(values) && values.length <= NAMED_MAX_PARAMETERS) {
      const name = names.nameOf(first);
      if (name !== undefined) args[0] = { text: first, name };
    }
    return query.apply(this, args);
  };
}

/** The cache generation's query, with node-postgres's read timeout (a property its types do not list). */
const GENERATION_QUERY = {
  text: 'select sum(value)::text as n from cache_generation',
  query_timeout: 5_000,
} as pg.QueryConfig;

/**
 * One query answering many callers, none of them with an answer older than its call: a call made while no query
 * runs sends one; a call made while one runs waits for the next, which is sent when the running one ends and
 * answers every call made meanwhile. So each answer comes from a query sent after its call (a write acknowledged
 * before the call is in it), and an instance under load sends at most one such query at a time, not one per
 * request: the cache generation, which every cached answer reads (see generation() in DatabaseHandle).
 */
export class SharedReads<T> {
  private running: Promise<T> | null = null;
  private next: Promise<T> | null = null;

  constructor(private readonly query: () => Promise<T>) {}

  /** The query's answer, from a run sent after this call; rejects with that run's error. */
  read(): Promise<T> {
    if (this.running === null) return this.start();
    if (this.next === null) {
      const after = this.running.then(
        () => undefined,
        () => undefined,
      );
      this.next = after.then(() => {
        this.next = null;
        return this.start();
      });
    }
    return this.next;
  }

  private start(): Promise<T> {
    const run = this.query().finally(() => {
      if (this.running === run) this.running = null;
    });
    this.running = run;
    return run;
  }
}

/** How many times a transaction that lost a serialization race is run again before the client gets a 503. */
const SERIALIZATION_RETRIES = 5;

export type PostgresOptions = {
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** Query texts named and prepared on the server, per connection (default 256; 0: every query unnamed). */
  preparedStatements?: number;
  /** Called with each SQL statement run (tests count queries with it). */
  onQuery?: (sql: string) => void;
};

/**
 * Opens a pool on the PostgreSQL server at `url` (a `postgres://` URL) and answers the database handle over it. No
 * connection is made until the first piece of work; `ping()` makes one.
 */
export function openPostgres(url: string, options: PostgresOptions = {}): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    application_name: 'itinerary-api',
    // A server that does not answer fails the request (503) rather than holding it forever.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle connection the server closed (a restart, a failover) is dropped from the pool; the next piece of work
  // opens another. Without a listener the error would end the process.
  pool.on('error', () => {});
  const logger = options.onQuery ? { logQuery: (query: string) => options.onQuery?.(query) } : undefined;
  const databases = new WeakMap<pg.PoolClient, Db>();
  /** drizzle over one pooled connection, with PostgreSQL's tables (made once per connection). */
  const dbOf = (client: pg.PoolClient): Db => {
    let db = databases.get(client);
    if (db === undefined) {
      db = drizzle(client, { schema: pgSchema, logger }) as unknown as Db;
      databases.set(client, db);
    }
    return db;
  };
  let closed = false;

  const statementNames = new StatementNames(options.preparedStatements ?? NAMED_STATEMENTS);
  /** Connections that have a listener for their 'error' event and name their statements (see connect). */
  const listened = new WeakSet<pg.PoolClient>();
  const connect = async (): Promise<pg.PoolClient> => {
    if (closed) throw new DatabaseUnavailableError();
    try {
      const client = await pool.connect();
      // A connection the server cuts while it is checked out emits 'error' as well as failing its query: with no
      // listener, that event would end the process. The query's failure is what the request answers (503).
      if (!listened.has(client)) {
        client.on('error', () => {});
        if (statementNames.capacity > 0) nameStatements(client, statementNames);
        listened.add(client);
      }
      return client;
    } catch (error) {
      throw domainErrorOf(error) ?? error;
    }
  };

  /** Runs `fn` in a transaction opened by `begin` on a connection of its own; commits with `commit`. */
  const within = async <T>(
    begin: string,
    commit: string,
    fn: (tx: Transaction) => Promise<T>,
  ): Promise<T> => {
    const client = await connect();
    let broken: Error | undefined;
    try {
      await client.query(begin);
      const tx: Transaction = { db: dbOf(client) };
      bindPostgresConnection(tx, client, RAW_TYPES);
      const result = await fn(tx);
      await client.query(commit);
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      }
      throw error;
    } finally {
      // A connection that could not roll back is in no known state: the pool closes it instead of reusing it.
      client.release(broken);
    }
  };

  /** Runs `attempt` again when it lost a serialization race (SQLSTATE 40001) or a deadlock (40P01). */
  const retried = async <T>(attempt: () => Promise<T>): Promise<T> => {
    for (let tries = 1; ; tries += 1) {
      try {
        return await attempt();
      } catch (error) {
        const code = errorCode(error);
        if (tries >= SERIALIZATION_RETRIES || (code !== '40001' && code !== '40P01')) throw error;
      }
    }
  };

  const generations = new SharedReads(async () => {
    const { rows } = await pool
      // A bound on the wait, as every cached answer waits on this one query (SharedReads): a connection that went
      // silent fails it (503) instead of holding every later request.
      .query<{ n: string }>(GENERATION_QUERY)
      .catch((error: unknown) => {
        throw domainErrorOf(error) ?? error;
      });
    // A text, for a bigint sum is exact and no cache needs more than a number's 2^53.
    return Number(rows[0]?.n ?? 0);
  });

  /** A transaction whose writes the audit triggers record as `actor`'s (null: anonymous). */
  const transactionAs = <T>(actor: string | null, fn: (tx: Transaction) => Promise<T>): Promise<T> => {
    // BEGIN, the plan mode and the actor in one round trip (a simple query may hold several statements). A write's
    // statements find rows by key (ids, a participant's dates), where a generic plan is as good as one made for
    // the values; PostgreSQL would otherwise plan some of them again on every run (an id list's length is
    // unknown to a generic plan's estimate), which cost more than running them.
    const begin = `BEGIN; SET LOCAL plan_cache_mode = force_generic_plan${
      actor === null ? '' : `; SELECT set_config('app.actor', ${pg.escapeLiteral(actor)}, true)`
    }`;
    return retried(() => within(begin, 'COMMIT', fn));
  };

  const handle: DatabaseHandle = {
    transaction: (fn) => transactionAs(null, fn),
    read: (fn) => retried(() => within('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY', 'COMMIT', fn)),
    autocommit: async (fn) => {
      const client = await connect();
      let lost: Error | undefined;
      try {
        const tx: Transaction = { db: dbOf(client) };
        bindPostgresConnection(tx, client, RAW_TYPES);
        return await fn(tx);
      } catch (error) {
        // A connection cut mid-statement is closed by the pool rather than reused.
        if (connectionLost(error)) lost = error instanceof Error ? error : new Error(String(error));
        throw error;
      } finally {
        client.release(lost);
      }
    },
    ping: async () => {
      const client = await connect();
      try {
        await client.query('select 1');
      } catch (error) {
        client.release(error instanceof Error ? error : true);
        throw domainErrorOf(error) ?? error;
      }
      client.release();
    },
    // The writer travels with the transaction: set in the same round trip as BEGIN (transactionAs).
    as: (name) => views(name),
    generation: () => generations.read(),
    // Reads run in transactions of their own, which see only what was committed.
    uncommitted: () => false,
    // PostgreSQL groups the WAL flushes of concurrent commits itself (commit_delay); each request commits its own.
    openWriteGroup: () => null,
    translateError: (error) => domainErrorOf(error) ?? error,
    checkIntegrity: async () => checkPostgres(pool),
    backup: (target) => dumpTo(url, target),
    optimize: async () => {
      // Autovacuum keeps the statistics; this only catches up when a table was never analyzed (a fresh database).
      const { rows } = await pool.query(
        `select 1 from pg_stat_user_tables where last_analyze is null and last_autoanalyze is null limit 1`,
      );
      if (rows.length > 0) await pool.query('analyze');
    },
    close: async () => {
      if (closed) return;
      closed = true;
      // Waits for the connections in use to be released, then closes every one.
      await pool.end();
    },
  };
  bindPostgresEngine(handle, { pool, dbOf });
  const views = viewsByName(handle, (name) => ({
    ...handle,
    transaction: (fn) => transactionAs(name, fn),
  }));
  return handle;
}

/**
 * What `db:check` asks of PostgreSQL, which enforces foreign keys and checks itself: that every constraint is
 * validated (none was added NOT VALID and left so) and that no index is invalid (a failed CREATE INDEX
 * CONCURRENTLY). Text is UTF-8 by the database's encoding, which is checked too.
 */
async function checkPostgres(pool: pg.Pool): Promise<IntegrityReport> {
  const encoding = await pool.query<{ encoding: string }>(
    `select pg_encoding_to_char(encoding) as encoding from pg_database where datname = current_database()`,
  );
  const invalidIndexes = await pool.query<{ name: string }>(
    `select c.relname as name from pg_index i join pg_class c on c.oid = i.indexrelid
       join pg_namespace n on n.oid = c.relnamespace
     where not i.indisvalid and n.nspname = any(current_schemas(false))`,
  );
  const unvalidated = await pool.query<{ name: string; tbl: string }>(
    `select con.conname as name, rel.relname as tbl from pg_constraint con
       join pg_class rel on rel.oid = con.conrelid join pg_namespace n on n.oid = rel.relnamespace
     where not con.convalidated and n.nspname = any(current_schemas(false))`,
  );
  const integrity = invalidIndexes.rows.map((r) => `index ${r.name} is invalid; rebuild it with REINDEX`);
  const foreignKeys = unvalidated.rows.map((r) => `constraint ${r.name} of ${r.tbl} is not validated`);
  const text = encoding.rows[0]?.encoding === 'UTF8' ? [] : [`the database's encoding is not UTF8`];
  return {
    ok: integrity.length === 0 && foreignKeys.length === 0 && text.length === 0,
    integrity: integrity.length === 0 ? ['ok'] : integrity,
    foreignKeys,
    text,
  };
}

/**
 * A consistent copy of the database into the file `target`, by `pg_dump --format=custom` (restore it with
 * `pg_restore --clean --if-exists -d <url> <file>`). Answers `pages: 0` (SQLite's unit; a dump has none).
 * Rejects with pg_dump's message when it fails or is not installed.
 */
function dumpTo(url: string, target: string): Promise<{ pages: number }> {
  // The password goes to pg_dump in its environment, not on its command line, where any user's `ps` would see it.
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  return new Promise((resolve, reject) => {
    const dump = spawn('pg_dump', ['--format=custom', '--no-owner', `--file=${target}`, parsed.toString()], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) },
    });
    let stderr = '';
    dump.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    dump.on('error', (error) => reject(new Error(`pg_dump could not run: ${error.message}`)));
    dump.on('close', (code) => {
      if (code === 0) resolve({ pages: 0 });
      else reject(new Error(`pg_dump failed (exit ${code}): ${stderr.trim()}`));
    });
  });
}
