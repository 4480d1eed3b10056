import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { searchText } from '../domain/text.js';
import { type Checkpointer, createCheckpointer, SAFETY_NET_PAGES } from './checkpointer.js';
import { Database } from './driver.js';
import { createDatabaseHandle, type DatabaseHandle } from './handle.js';
import * as schema from './schema.js';

export type { DatabaseHandle, Db, Transaction } from './handle.js';

/**
 * Opens the SQLite database with the settings the product relies on. This is the seam for SQLite-only
 * pragmas: a PostgreSQL deployment would replace this file, not the repositories.
 */
export function openDatabase(
  path: string,
  options: { onQuery?: (sql: string) => void } = {},
): DatabaseHandle {
  const inMemory = path === ':memory:' || path === '';
  if (!inMemory) mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(
    path,
    options.onQuery ? { verbose: (sql) => options.onQuery?.(String(sql)) } : {},
  );
  if (!inMemory) sqlite.pragma('journal_mode = WAL');
  // FULL: a commit that was acknowledged survives a power cut, at some cost in write speed.
  sqlite.pragma('synchronous = FULL');
  // Statement journals (what undoes one statement, or one request's savepoint, inside a group of writes; every row
  // written to a table with triggers keeps one) in memory rather than in temporary files: they only ever serve a
  // rollback of the live transaction, never a recovery. On files they cost about 23 writes per request under the
  // write benchmark, and made an import's rows 2.5 times slower.
  sqlite.pragma('temp_store = MEMORY');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // The audit triggers' itinerary_actor() (who is writing) is the handle's to answer: createDatabaseHandle.
  // The one rule for matching text (domain/text.ts), for the search triggers, text filters and name sorting.
  sqlite.function('search_text', { deterministic: true }, (text: unknown) =>
    typeof text === 'string' ? searchText(text) : text,
  );
  // Checkpoints of the log run in a worker thread, off the event loop (checkpointer.ts); the connection's own
  // automatic checkpoints stay as a safety net, and take over if the worker cannot run.
  let checkpointer: Checkpointer | undefined;
  if (!inMemory && sqlite.pragma('journal_mode', { simple: true }) === 'wal') {
    sqlite.pragma(`wal_autocheckpoint = ${SAFETY_NET_PAGES}`);
    checkpointer = createCheckpointer(sqlite.name, () => {
      if (sqlite.open) sqlite.pragma('wal_autocheckpoint = 1000');
    });
  }
  return createDatabaseHandle(sqlite, drizzle(sqlite, { schema }), checkpointer);
}
