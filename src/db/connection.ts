import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { Database } from './driver.js';
import type * as schema from './schema.js';

// What a handle and its transactions are made of, for src/db/ and the repositories' factory alone: the handle
// (handle.ts) binds itself to its engine (`engineOf(handle)`: drizzle and the connection, on which
// createRepositories prepares statements) and each `Transaction` it gives to its connection (`connectionOf(tx)`:
// for queries.ts's plain-SQL statements). Only src/db/ and src/repositories/ may import this file, and only
// src/repositories/index.ts of the latter calls it (tests/architecture.test.ts fails otherwise); neither type the
// handle exposes says anything of the engine.

/** drizzle over a SQLite connection, with the tables of schema.ts. */
export type Db = BetterSQLite3Database<typeof schema>;

const connections = new WeakMap<object, Database>();

/** Binds `tx` (a `Transaction` of the handle) to the connection its statements run on. For handle.ts alone. */
export function bindConnection(tx: object, sqlite: Database): void {
  connections.set(tx, sqlite);
}

/**
 * The better-sqlite3 connection that `tx` (a `Transaction` given by the handle) runs on. A statement prepared on it
 * and run while the transaction is open is part of that transaction, as every statement of `tx.db` is. Throws for
 * an object the handle did not give (a `{ db }` made by hand has no connection of its own to answer).
 */
export function connectionOf(tx: object): Database {
  const sqlite = connections.get(tx);
  if (sqlite === undefined) throw new Error('not a transaction of the database handle: it has no connection');
  return sqlite;
}

/** What the SQLite engine behind a handle is made of: drizzle over the connection, and the connection itself. */
export type SqliteEngine = { db: Db; sqlite: Database };

const engines = new WeakMap<object, SqliteEngine>();

/** Binds a database handle to its engine. For handle.ts alone. */
export function bindEngine(handle: object, engine: SqliteEngine): void {
  engines.set(handle, engine);
}

/**
 * drizzle and the connection behind a database handle: what `createRepositories` builds prepared statements on, and
 * what tests that look at the file itself read. Throws for an object that is not a handle of this engine.
 */
export function engineOf(handle: object): SqliteEngine {
  const engine = engines.get(handle);
  if (engine === undefined) throw new Error('not a database handle of the SQLite engine');
  return engine;
}
