import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type pg from 'pg';
import type { Database } from './driver.js';
import type * as schema from './schema.js';

// What a handle and its transactions are made of, for src/db/ and the repositories' factory alone: the handle
// (handle.ts) binds itself to its engine (`engineOf(handle)`: drizzle and the connection, on which
// createRepositories prepares statements) and each `Transaction` it gives to its connection
// (`engineConnectionOf(tx)`: for queries.ts's plain-SQL statements, on either engine). Only src/db/ and src/repositories/ may import this file, and only
// src/repositories/index.ts of the latter calls it (tests/architecture.test.ts fails otherwise); neither type the
// handle exposes says anything of the engine.

/**
 * drizzle over a connection, typed as SQLite's with the tables of schema.ts. On PostgreSQL it is drizzle's
 * node-postgres database with the tables of schema-pg.ts (db/tables.ts says why one type serves both).
 */
export type Db = BetterSQLite3Database<typeof schema>;

const connections = new WeakMap<object, Database>();

/** Binds `tx` (a `Transaction` of the handle) to the connection its statements run on. For handle.ts alone. */
export function bindConnection(tx: object, sqlite: Database): void {
  connections.set(tx, sqlite);
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

// PostgreSQL (postgres.ts). A transaction runs on one pooled connection; plain SQL (queries.ts) runs there, with
// type parsers of its own.

/** The connection a PostgreSQL transaction runs on, and the type parsers plain SQL reads its answers with. */
export type PostgresConnection = { client: pg.PoolClient; types: pg.CustomTypesConfig };

const postgresConnections = new WeakMap<object, PostgresConnection>();

/** Binds `tx` (a `Transaction` of a PostgreSQL handle) to its connection. For postgres.ts alone. */
export function bindPostgresConnection(tx: object, client: pg.PoolClient, types: pg.CustomTypesConfig): void {
  postgresConnections.set(tx, { client, types });
}

/** The engine of a transaction, with the connection it runs on; throws for an object no handle gave. */
export function engineConnectionOf(
  tx: object,
): { engine: 'sqlite'; sqlite: Database } | ({ engine: 'postgres' } & PostgresConnection) {
  const sqlite = connections.get(tx);
  if (sqlite !== undefined) return { engine: 'sqlite', sqlite };
  const postgres = postgresConnections.get(tx);
  if (postgres !== undefined) return { engine: 'postgres', ...postgres };
  throw new Error('not a transaction of the database handle: it has no connection');
}

/** What the PostgreSQL engine behind a handle is made of: its pool, and drizzle over one of its connections. */
export type PostgresEngine = { pool: pg.Pool; dbOf: (client: pg.PoolClient) => Db };

const postgresEngines = new WeakMap<object, PostgresEngine>();

/** Binds a PostgreSQL database handle to its engine. For postgres.ts alone. */
export function bindPostgresEngine(handle: object, engine: PostgresEngine): void {
  postgresEngines.set(handle, engine);
}

/** The pool behind a PostgreSQL handle, or undefined for a handle of SQLite (migrations and tests use it). */
export function postgresEngineOf(handle: object): PostgresEngine | undefined {
  return postgresEngines.get(handle);
}
