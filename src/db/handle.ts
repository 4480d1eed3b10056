import { asActor } from '../domain/actor.js';
import {
  type AppError,
  BusyError,
  ConstraintViolatedError,
  DatabaseUnavailableError,
  DuplicateError,
  ReferenceConflictError,
} from '../errors.js';
import type { Checkpointer } from './checkpointer.js';
import { bindConnection, bindEngine, type Db } from './connection.js';
import type { Database } from './driver.js';
import { backupTo, checkIntegrity, type IntegrityReport } from './maintenance.js';
import { FLUSH_INTERVAL_MS, searchIndexFlusher } from './search-index.js';

// The database handle: the one object that knows the engine (SQLite, through better-sqlite3 and drizzle). Routes,
// plugins, caches and commands ask it for transactions, a health check, the writer's name, a change signal and
// the meaning of an engine error; a PostgreSQL deployment gives them another object of the same type.
//
// The transaction rule. better-sqlite3 runs every statement synchronously on one connection, and its transactions
// cannot span an `await`. `transaction(fn)` therefore opens the transaction itself (BEGIN, or a SAVEPOINT when a
// group of writes is already open: plugins/group-commit.ts), calls `fn(tx)`, and commits when fn's promise
// settles (rolls back when it rejects). fn awaits only calls on `tx` (the repositories' methods, whose awaited
// queries better-sqlite3 answers at once) and no real I/O (timers, network, files).
// Even so, fn is pending for a few microtasks, in which other requests' code runs; so every piece of work of the
// handle, `transaction(fn)` and `read(fn)` alike, runs alone: one that is asked for while another runs waits for
// it to settle, even one made by a timer or a callback that fn started (oven-sh/bun#24662 is that bug elsewhere).
// So fn does its work on `tx` alone: a call to the handle that fn itself awaits would wait for fn. Every route, plugin,
// service and command reaches the database through them, so nothing lands inside another's transaction or
// sees it half done. `read(fn)` opens no transaction: alone on the one connection, its statements see the
// committed state (and, inside a group of writes, the group's rows, as every answer waits for the group's commit).

export type { Db };

/** What a repository runs its statements on: drizzle over the connection, inside a transaction or not. */
export type Transaction = { db: Db };

/** A group of writes that several requests share (plugins/group-commit.ts): one BEGIN, one COMMIT. */
export type WriteGroup = {
  /** Commits the group; on failure rolls back what is left of it and throws the engine's error. */
  commit(): void;
};

export type DatabaseHandle = {
  /** Runs `fn` in one transaction (see the rule above); commits when its promise resolves, rolls back on a rejection. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Runs `fn`, which only reads, alone (see the rule above): no write of the handle is half done while it runs. */
  read<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /**
   * Runs `fn`, each of whose statements is a transaction of its own (what SQL calls autocommit): for a lookup of
   * one statement, or a write that needs no other to be atomic with it (the key's last use). Saves the BEGIN and
   * COMMIT round trips of `transaction` on PostgreSQL, and a BEGIN and COMMIT on SQLite. Statements of one call may
   * see different states of the data, so `fn` must not rely on their agreeing.
   */
  autocommit<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Resolves when the database answers a trivial query; rejects with the engine's error otherwise. */
  ping(): Promise<void>;
  /** Runs `fn` as the named writer: the audit triggers record `name` for every write it makes (null: anonymous). */
  withActor<T>(name: string | null, fn: () => T): T;
  /**
   * A number that changes after every committed write, whoever made it (this connection, another process, another
   * instance), and now and then without one (a write rolled back): caches compare it with the one their entries
   * were built at. Read after a write was acknowledged, it differs from any read before that write committed.
   */
  generation(): Promise<number>;
  /** True while a transaction is open: what is read now may not be committed yet, so it must not be cached. */
  uncommitted(): boolean;
  /** Opens a group of writes, or answers null when a transaction is already open (someone else's). */
  openWriteGroup(): WriteGroup | null;
  /**
   * The domain error (src/errors.ts) that an engine error means: a foreign key, unique or check constraint, or a
   * busy database. Any other error comes back unchanged.
   */
  translateError(error: unknown): unknown;
  /**
   * The engine's check of the stored data (SQLite: PRAGMA integrity_check, foreign_key_check and the UTF-8 check of
   * every text value, db/maintenance.ts).
   */
  checkIntegrity(): Promise<IntegrityReport>;
  /** An online, consistent copy of the database into the file `target` (db/maintenance.ts); answers its pages. */
  backup(target: string): Promise<{ pages: number }>;
  /** Refreshes the query planner's statistics where they are stale (cheap; run at start and now and then). */
  optimize(): Promise<void>;
  /** Closes the connections once the work under way has settled (PostgreSQL: drains the pool). */
  close(): Promise<void>;
};

type SqliteLike = { code?: unknown; cause?: unknown };

/**
 * The SQLITE_* code of `error` or of one of its causes (drizzle wraps the driver's errors), if any. A foreign key
 * found broken while a trigger runs comes as SQLITE_CONSTRAINT_TRIGGER with SQLite's foreign key message: it is
 * named a foreign key's code here.
 */
function sqliteCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth += 1) {
    const { code, message } = current as SqliteLike & { message?: unknown };
    if (typeof code === 'string' && code.startsWith('SQLITE_')) {
      return code === 'SQLITE_CONSTRAINT_TRIGGER' && String(message).includes('FOREIGN KEY')
        ? 'SQLITE_CONSTRAINT_FOREIGNKEY'
        : code;
    }
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
    case 'SQLITE_CONSTRAINT_TRIGGER':
      return new ConstraintViolatedError();
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return new BusyError();
    default:
      return undefined;
  }
}

/**
 * The handle over an open, configured connection (db/client.ts opens it and sets its pragmas and functions), with
 * the worker that checkpoints its log, if any (db/checkpointer.ts): told of each commit, closed with the handle.
 */
export function createDatabaseHandle(sqlite: Database, db: Db, checkpointer?: Checkpointer): DatabaseHandle {
  const statement = {
    begin: sqlite.prepare('BEGIN'),
    commit: sqlite.prepare('COMMIT'),
    rollback: sqlite.prepare('ROLLBACK'),
    ping: sqlite.prepare('select 1'),
    // One name for every savepoint: they nest as a stack, and RELEASE or ROLLBACK TO acts on the innermost of that
    // name, which is the one `run` opened (work of the handle runs one piece at a time). Prepared once, as a name
    // of its own per savepoint made SQLite parse each statement again (6% of the write benchmark's profile).
    savepoint: sqlite.prepare('SAVEPOINT handle'),
    release: sqlite.prepare('RELEASE handle'),
    rollbackTo: sqlite.prepare('ROLLBACK TO handle'),
    // total_changes(): rows written on this connection (triggers' rows too); data_version: commits by others.
    counters: sqlite.prepare(
      'select total_changes() as changes, data_version as version from pragma_data_version',
    ),
  };
  const tx: Transaction = { db };
  // The SQLite repositories that prepare raw statements reach the connection through it (connection.ts).
  bindConnection(tx, sqlite);
  // Work of the handle (transactions, reads) runs one at a time: `busy` counts what has started or is waiting,
  // `tail` settles when the last of it has.
  let tail: Promise<unknown> = Promise.resolve();
  let busy = 0;
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
    if (outer) statement.begin.run();
    else statement.savepoint.run();
    try {
      const result = await fn(tx);
      if (outer) {
        statement.commit.run();
        checkpointer?.committed();
      } else statement.release.run();
      return result;
    } catch (error) {
      if (outer) rollbackQuietly();
      else if (sqlite.inTransaction) {
        statement.rollbackTo.run();
        statement.release.run();
      }
      throw error;
    }
  };

  /** A read: fn on the connection as it is (see `read` below). */
  const alone = <T>(fn: (tx: Transaction) => Promise<T>): Promise<T> => fn(tx);

  const serialized = <T>(
    work: (fn: (tx: Transaction) => Promise<T>) => Promise<T>,
    fn: (tx: Transaction) => Promise<T>,
  ): Promise<T> => {
    const start = () => work(fn);
    // Nothing running or waiting: start now, in the caller's turn, as a synchronous statement would.
    const result = busy === 0 ? start() : tail.then(start);
    busy += 1;
    const done = () => {
      busy -= 1;
    };
    tail = result.then(done, done);
    return result;
  };

  // The search index's flushes (search-index.ts): readers of the index run them first, and this timer in between,
  // as work of the handle like any other, so that no flush lands inside someone's transaction half done (inside
  // an open group of writes, a flush is part of the group). A failed flush keeps its notes for the next one.
  const searchIndex = searchIndexFlusher(sqlite);
  const flushTimer = setInterval(() => {
    if (!sqlite.open) return;
    serialized(alone, async () => searchIndex.flush()).catch(() => {
      // Kept for the next flush; a reader that flushes reports the error itself.
    });
  }, FLUSH_INTERVAL_MS);
  flushTimer.unref();

  const handle: DatabaseHandle = {
    transaction: (fn) => serialized(run, fn),
    // Each statement its own transaction, as SQLite runs a statement outside BEGIN (inside an open group of writes,
    // part of the group, as any statement): no BEGIN and COMMIT around a lookup.
    autocommit: (fn) => serialized(alone, fn),
    // One connection, and every write goes through transaction(): a read that runs alone sees no write half done,
    // and needs no BEGIN of its own (inside a group of writes it sees the group's rows, as it always has).
    read: (fn) => serialized(alone, fn),
    ping: async () => {
      statement.ping.get();
    },
    withActor: (name, fn) => asActor(name, fn),
    generation: async () => {
      const row = statement.counters.get() as { changes: number; version: number };
      // The index's flushes write rows but change nothing a reader could see: they do not move the generation.
      const current = `${row.changes - searchIndex.changes}:${row.version}`;
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
          checkpointer?.committed();
        },
      };
    },
    // Any error once the connection is closed means the database is gone, whatever the statement said.
    translateError: (error) =>
      sqlite.open ? (domainErrorOf(sqliteCode(error)) ?? error) : new DatabaseUnavailableError(),
    checkIntegrity: async () => checkIntegrity(sqlite),
    backup: (target) => backupTo(sqlite, target),
    optimize: async () => {
      sqlite.pragma('optimize');
    },
    close: async () => {
      clearInterval(flushTimer);
      // What is noted is indexed before the connection closes (a command's writes, an import's), so that the next
      // reader, maybe in another process, does not pay for all of it; on failure the notes wait for that reader.
      await serialized(alone, async () => {
        if (sqlite.open) searchIndex.flush();
      }).catch(() => undefined);
      await checkpointer?.close();
      if (sqlite.open) sqlite.close();
    },
  };
  // drizzle and the connection, for src/db/ and src/repositories/ alone (connection.ts).
  bindEngine(handle, { db, sqlite });
  return handle;
}
