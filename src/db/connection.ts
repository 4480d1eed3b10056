import type { Database } from './driver.js';

// The one way a repository reaches the engine's own connection: for the few statements that SQLite runs fastest
// prepared once as plain SQL (the Historian import store's inserts). The handle (handle.ts) binds each
// `Transaction` it gives to its connection; a repository asks for it with `connectionOf(tx)`. Only src/db/ and
// src/repositories/ import this file (tests/architecture.test.ts fails otherwise), and the `Transaction` type says
// nothing of the connection, so routes, services, plugins and commands, which hold transactions, never see it.

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
