import type { Statement } from 'better-sqlite3';
import type { SQL } from 'drizzle-orm';
import { connectionOf } from './connection.js';
import type { Database } from './driver.js';
import type { Transaction } from './handle.js';

// The few ways of running SQL that are not a drizzle query builder awaited: raw SQL text (a statement drizzle's
// builders cannot spell) and the count of rows a write changed. Repositories run everything else by awaiting the
// builder (`await tx.db.select()…`, which answers its rows) or a prepared statement (`await statement.execute(…)`),
// never by the engine's synchronous calls; so this file is where an engine that answers later (PostgreSQL, next)
// gives its own twin of each.

/** The rows of a raw SQL query (`sql\`…\``) run on the transaction. */
export async function queryRows<Row>(tx: Transaction, query: SQL): Promise<Row[]> {
  return tx.db.all<Row>(query);
}

/** The first row of a raw SQL query run on the transaction, or undefined when it has none. */
export async function queryRow<Row>(tx: Transaction, query: SQL): Promise<Row | undefined> {
  return tx.db.get<Row>(query);
}

/**
 * How many rows a write changed, from what awaiting its builder or its prepared statement answered (SQLite's
 * RunResult; triggers' writes are not counted). 0 for anything else.
 */
export function changedRows(result: unknown): number {
  const changes = (result as { changes?: unknown } | null | undefined)?.changes;
  return typeof changes === 'number' ? changes : 0;
}

/** The first of some rows, or undefined: what a query for one record answers. */
export const firstRow = <Row>(rows: readonly Row[]): Row | undefined => rows[0];

/** Runs a raw SQL statement (`sql\`…\``) on the transaction; answers how many rows it changed. */
export async function runStatement(tx: Transaction, statement: SQL): Promise<number> {
  return changedRows(tx.db.run(statement));
}

/**
 * A plain-SQL statement with `?` parameters, for the few run thousands of times a request or an import (the
 * Historian import store's inserts): prepared once per connection, on first use, and run on the connection of the
 * transaction it is given, as part of that transaction.
 */
export type RawStatement<Row> = {
  /** Every row it answers. */
  all(tx: Transaction, ...params: unknown[]): Promise<Row[]>;
  /** Its first row, or undefined. */
  first(tx: Transaction, ...params: unknown[]): Promise<Row | undefined>;
  /** Runs it; answers how many rows it changed. */
  run(tx: Transaction, ...params: unknown[]): Promise<number>;
};

/** `text` as a RawStatement (see there). */
export function rawStatement<Row = unknown>(text: string): RawStatement<Row> {
  const prepared = new WeakMap<Database, Statement<unknown[], Row>>();
  const on = (tx: Transaction) => {
    const sqlite = connectionOf(tx);
    let statement = prepared.get(sqlite);
    if (statement === undefined) {
      statement = sqlite.prepare<unknown[], Row>(text);
      prepared.set(sqlite, statement);
    }
    return statement;
  };
  return {
    all: async (tx, ...params) => on(tx).all(...params),
    first: async (tx, ...params) => on(tx).get(...params),
    run: async (tx, ...params) => on(tx).run(...params).changes,
  };
}
