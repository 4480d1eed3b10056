import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { asActor } from '../domain/actor.js';
import {
  type AppError,
  BusyError,
  ConstraintViolatedError,
  DuplicateError,
  ReferenceConflictError,
} from '../errors.js';
import { bindConnection } from './connection.js';
import type { Database } from './driver.js';
import { backupTo, checkIntegrity, type IntegrityReport } from './maintenance.js';
import type * as schema from './schema.js';

// The database handle: the one object that knows the engine (SQLite, through better-sqlite3 and drizzle). Routes,
// plugins, caches and commands ask it for transactions, a health check, the writer's name, a change signal and
// the meaning of an engine error; a PostgreSQL deployment gives them another object of the same type.
//
// The transaction rule. better-sqlite3 runs every statement synchronously on one connection, and its transactions
// cannot span an `await`. `transaction(fn)` therefore opens the transaction itself (BEGIN, or a SAVEPOINT when a
// group of writes is already open: plugins/group-commit.ts), calls `fn(tx)`, and commits when fn's promise
// settles (rolls back when it rejects). For nothing else to land inside it, fn awaits only calls on `tx` (the
// repositories' methods, which do their SQLite work synchronously before they return a settled promise) and no
// real I/O (timers, network, files). Even so, fn is pending for a few microtasks, in which other requests' code can
// run: a transaction of the handle asked for then waits (they never interleave: each starts when the one before
// has settled), but a statement run on the connection outside the handle joins fn's transaction, and its rollback.
// So the handle's transactions are safe once every write goes through them; until the last synchronous
// repositories are converted (issue 12), no route or service calls transaction() or read(), but for the Historian
// import (POST /imports, through importHistorian): a synchronous write of another request run in the microtasks
// while one of its files is pending would join that file's transaction, and go with it if the file fails.
// `read(fn)` follows the same rule, in a transaction that writes nothing.

export type Db = BetterSQLite3Database<typeof schema>;

/** What a repository runs its statements on: drizzle over the connection, inside a transaction or not. */
export type Transaction = { db: Db };

/** A group of writes that several requests share (plugins/group-commit.ts): one BEGIN, one COMMIT. */
export type WriteGroup = {
  /** Commits the group; on failure rolls back what is left of it and throws the engine's error. */
  commit(): void;
};

export type DatabaseHandle = {
  /** drizzle over the connection: what repositories use (until they take a `tx`). */
  db: Db;
  /**
   * The engine's own connection: an escape hatch for the code of src/db/ and for tests that look at the file itself.
   * Nothing else uses it: a repository that prepares raw statements gets the connection of the transaction it runs
   * in from `connectionOf(tx)` (connection.ts), as the Historian import store does.
   */
  sqlite: Database;
  /** Runs `fn` in one transaction (see the rule above); commits when its promise resolves, rolls back on a rejection. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Runs `fn` with a consistent view of the data (a transaction that writes nothing), under the same rule. */
  read<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Resolves when the database answers a trivial query; rejects with the engine's error otherwise. */
  ping(): Promise<void>;
  /** Runs `fn` as the named writer: the audit triggers record `name` for every write it makes (null: anonymous). */
  withActor<T>(name: string | null, fn: () => T): T;
  /**
   * A number that changes after every committed write, whoever made it (this connection, another process), and
   * now and then without one (a write rolled back): caches compare it with the one their entries were built at.
   */
  generation(): number;
  /** True while a transaction is open: what is read now may not be committed yet, so it must not be cached. */
  uncommitted(): boolean;
  /** Opens a group of writes, or answers null when a transaction is already open (someone else's). */
  openWriteGroup(): WriteGroup | null;
  /**
   * The domain error (src/errors.ts) that an engine error means: a foreign key, unique or check constraint, or a
   * busy database. Any other error comes back unchanged.
   */
  translateError(error: unknown): unknown;
  /** PRAGMA integrity_check, foreign_key_check and the UTF-8 check of every text value (db/maintenance.ts). */
  checkIntegrity(): IntegrityReport;
  /** An online, consistent copy of the database into the file `target` (db/maintenance.ts); answers its pages. */
  backup(target: string): Promise<{ pages: number }>;
  /** Refreshes the query planner's statistics where they are stale (cheap; run at start and now and then). */
  optimize(): void;
  close(): void;
};

type SqliteLike = { code?: unknown; cause?: unknown };

/** The SQLITE_* code of `error` or of one of its causes (drizzle wraps the driver's errors), if any. */
function sqliteCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth += 1) {
    const code = (current as SqliteLike).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_')) return code;
    current = (current as SqliteLike).cause;
  }
  return undefined;
}

/** The domain error of an SQLite result code (https://sqlite.org/rescode.html), or undefined for any other. */
function domainErrorOf(code: string | undefined): AppError | undefined {
  switch (code) {
    case 'SQLITE_CONSTRAINT_FOREIGNKEY':
      return new ReferenceConflictError();
    case 'SQLITE_CONSTRAINT_UNIQUE':
    case 'SQLITE_CONSTRAINT_PRIMARYKEY':
      return new DuplicateError();
    case 'SQLITE_CONSTRAINT_CHECK':
    case 'SQLITE_CONSTRAINT_NOTNULL':
      return new ConstraintViolatedError();
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return new BusyError();
    default:
      return undefined;
  }
}

/** The handle over an open, configured connection (db/client.ts opens it and sets its pragmas and functions). */
export function createDatabaseHandle(sqlite: Database, db: Db): DatabaseHandle {
  const statement = {
    begin: sqlite.prepare('BEGIN'),
    commit: sqlite.prepare('COMMIT'),
    rollback: sqlite.prepare('ROLLBACK'),
    ping: sqlite.prepare('select 1'),
    // total_changes(): rows written on this connection (triggers' rows too); data_version: commits by others.
    counters: sqlite.prepare(
      'select total_changes() as changes, data_version as version from pragma_data_version',
    ),
  };
  const tx: Transaction = { db };
  // The SQLite repositories that prepare raw statements reach the connection through it (connection.ts).
  bindConnection(tx, sqlite);
  let savepoints = 0;
  // The transaction of the handle that is pending, if any: the next one starts when it settles.
  let pending: Promise<unknown> = Promise.resolve();
  let active = false;
  let seen = '';
  let generation = 0;

  const rollbackQuietly = () => {
    try {
      if (sqlite.inTransaction) statement.rollback.run();
    } catch {
      // The connection rolled back on its own.
    }
  };

  /** Runs fn between BEGIN (or SAVEPOINT, inside a group of writes) and COMMIT (or RELEASE). */
  const run = async <T>(fn: (tx: Transaction) => Promise<T>): Promise<T> => {
    const outer = !sqlite.inTransaction;
    const name = `handle_${++savepoints}`;
    if (outer) statement.begin.run();
    else sqlite.exec(`SAVEPOINT ${name}`);
    active = true;
    try {
      const result = await fn(tx);
      if (outer) statement.commit.run();
      else sqlite.exec(`RELEASE ${name}`);
      return result;
    } catch (error) {
      if (outer) rollbackQuietly();
      else if (sqlite.inTransaction) {
        sqlite.exec(`ROLLBACK TO ${name}`);
        sqlite.exec(`RELEASE ${name}`);
      }
      throw error;
    } finally {
      active = false;
    }
  };

  const serialized = <T>(fn: (tx: Transaction) => Promise<T>): Promise<T> => {
    // Nothing pending: start now, in the caller's turn, as a synchronous write would.
    const result = active ? pending.then(() => run(fn)) : run(fn);
    pending = result.catch(() => {});
    return result;
  };

  return {
    db,
    sqlite,
    transaction: serialized,
    read: serialized,
    ping: async () => {
      statement.ping.get();
    },
    withActor: (name, fn) => asActor(name, fn),
    generation: () => {
      const row = statement.counters.get() as { changes: number; version: number };
      const current = `${row.changes}:${row.version}`;
      if (current !== seen) {
        seen = current;
        generation += 1;
      }
      return generation;
    },
    uncommitted: () => sqlite.inTransaction,
    openWriteGroup: () => {
      if (sqlite.inTransaction) return null;
      statement.begin.run();
      return {
        commit: () => {
          if (!sqlite.open) throw new Error('the database closed before the group of writes was committed');
          try {
            statement.commit.run();
          } catch (error) {
            rollbackQuietly();
            throw error;
          }
        },
      };
    },
    translateError: (error) => domainErrorOf(sqliteCode(error)) ?? error,
    checkIntegrity: () => checkIntegrity(sqlite),
    backup: (target) => backupTo(sqlite, target),
    optimize: () => {
      sqlite.pragma('optimize');
    },
    close: () => {
      if (sqlite.open) sqlite.close();
    },
  };
}
