import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { currentActor } from '../domain/actor.js';
import { searchText } from '../domain/text.js';
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
  sqlite.pragma('foreign_keys = ON');
  // A write to a table with triggers (trips, stops, meetings, participants: the change feed, the search index, the
  // audit log) keeps a statement journal, to undo the statement alone if it fails: in memory rather than in a
  // temporary file, which made each such row cost tens of pwrite calls (an import's rows 2.5 times slower).
  sqlite.pragma('temp_store = MEMORY');
  sqlite.pragma('busy_timeout = 5000');
  // The audit triggers ask the application who is writing (see domain/actor.ts).
  sqlite.function('itinerary_actor', { deterministic: false }, () => currentActor());
  // The one rule for matching text (domain/text.ts), for the search triggers, text filters and name sorting.
  sqlite.function('search_text', { deterministic: true }, (text: unknown) =>
    typeof text === 'string' ? searchText(text) : text,
  );
  return createDatabaseHandle(sqlite, drizzle(sqlite, { schema }));
}
