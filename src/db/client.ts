import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { currentActor } from '../domain/actor.js';
import { searchPostings } from '../domain/ranking.js';
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
  sqlite.pragma('busy_timeout = 5000');
  // The audit triggers ask the application who is writing (see domain/actor.ts).
  sqlite.function('itinerary_actor', { deterministic: false }, () => currentActor());
  // The one rule for matching text (domain/text.ts), for the search triggers, text filters and name sorting.
  sqlite.function('search_text', { deterministic: true }, (text: unknown) =>
    typeof text === 'string' ? searchText(text) : text,
  );
  // A record's postings for the search index's triggers (db/search-index.ts), as JSON rows.
  sqlite.function('search_postings', { deterministic: true }, (title: unknown, body: unknown) =>
    JSON.stringify(
      searchPostings(typeof title === 'string' ? title : null, typeof body === 'string' ? body : null),
    ),
  );
  return createDatabaseHandle(sqlite, drizzle(sqlite, { schema }));
}
