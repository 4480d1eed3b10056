import type { Statement } from 'better-sqlite3';
import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { engineConnectionOf } from './connection.js';
import type { Database } from './driver.js';
import type { Transaction } from './handle.js';

// The few ways of running SQL that are not a drizzle query builder awaited: raw SQL text (a statement drizzle's
// builders cannot spell) and the count of rows a write changed. Repositories run everything else by awaiting the
// builder (`await tx.db.select()…`, which answers its rows) or a prepared statement (`await statement.execute(…)`),
// never by the engine's own calls; this file gives each engine's way of running the rest. Answers are alike on
// both: rows as plain objects under their SQL names, counts and sums as numbers, JSON columns as their text.

/** Compiles drizzle's `sql` templates to PostgreSQL's text and parameters ($1, $2…). */
const postgres = new PgDialect();

/** The rows of a raw SQL query (`sql\`…\``) run on the transaction. */
export async function queryRows<Row>(tx: Transaction, query: SQL): Promise<Row[]> {
  const connection = engineConnectionOf(tx);
  if (connection.engine === 'sqlite') return tx.db.all<Row>(query);
  const { sql: text, params } = postgres.sqlToQuery(query);
  const result = await connection.client.query({ text, values: params, types: connection.types });
  return result.rows as Row[];
}

/** The first row of a raw SQL query run on the transaction, or undefined when it has none. */
export async function queryRow<Row>(tx: Transaction, query: SQL): Promise<Row | undefined> {
  return (await queryRows<Row>(tx, query))[0];
}

/**
 * How many rows a write changed, from what awaiting its builder or its prepared statement answered (SQLite's
 * RunResult `changes`, node-postgres's `rowCount`; triggers' writes are not counted). 0 for anything else.
 */
export function changedRows(result: unknown): number {
  const answer = result as { changes?: unknown; rowCount?: unknown } | null | undefined;
  const changes = answer?.changes ?? answer?.rowCount;
  return typeof changes === 'number' ? changes : 0;
}

/** The first of some rows, or undefined: what a query for one record answers. */
export const firstRow = <Row>(rows: readonly Row[]): Row | undefined => rows[0];

/** Runs a raw SQL statement (`sql\`…\``) on the transaction; answers how many rows it changed. */
export async function runStatement(tx: Transaction, statement: SQL): Promise<number> {
  const connection = engineConnectionOf(tx);
  if (connection.engine === 'sqlite') return changedRows(tx.db.run(statement));
  const { sql: text, params } = postgres.sqlToQuery(statement);
  return changedRows(await connection.client.query({ text, values: params }));
}

/**
 * A plain-SQL statement with `?` parameters, for the few run thousands of times a request or an import (the
 * Historian import store's inserts): on SQLite prepared once per connection, on first use; on PostgreSQL named from
 * its second run by the pool's statement names (postgres.ts, StatementNames), so that each connection parses it
 * once. It runs on the connection of the transaction it is given, as part of that transaction. The text must be SQL
 * both engines read.
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
  // PostgreSQL's spelling: `?` becomes $1, $2… in order (the texts hold no `?` in literals).
  let position = 0;
  const numbered = text.replace(/\?/g, () => `$${++position}`);
  const sqlite = (sqliteDb: Database) => {
    let statement = prepared.get(sqliteDb);
    if (statement === undefined) {
      statement = sqliteDb.prepare<unknown[], Row>(text);
      prepared.set(sqliteDb, statement);
    }
    return statement;
  };
  const onPostgres = async (tx: Transaction, params: unknown[]) => {
    const connection = engineConnectionOf(tx);
    if (connection.engine !== 'postgres') throw new Error('not a PostgreSQL transaction');
    return connection.client.query({ text: numbered, values: params, types: connection.types });
  };
  return {
    all: async (tx, ...params) => {
      const connection = engineConnectionOf(tx);
      if (connection.engine === 'sqlite') return sqlite(connection.sqlite).all(...params);
      return (await onPostgres(tx, params)).rows as Row[];
    },
    first: async (tx, ...params) => {
      const connection = engineConnectionOf(tx);
      if (connection.engine === 'sqlite') return sqlite(connection.sqlite).get(...params);
      return (await onPostgres(tx, params)).rows[0] as Row | undefined;
    },
    run: async (tx, ...params) => {
      const connection = engineConnectionOf(tx);
      if (connection.engine === 'sqlite') return sqlite(connection.sqlite).run(...params).changes;
      return changedRows(await onPostgres(tx, params));
    },
  };
}
