import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SAFETY_NET_PAGES } from '../src/db/checkpointer.js';
import type { DatabaseHandle } from '../src/db/client.js';
import { engineOf } from '../src/db/connection.js';
import { Database } from '../src/db/driver.js';
import { prepareDatabase } from '../src/db/prepare.js';

// The checkpoints of the write-ahead log (src/db/checkpointer.ts): a worker thread with a connection of its own
// copies committed writes into the database file, while the server's connection checkpoints only past a large
// log; statement journals stay in memory. On a real migrated SQLite file.

let folder: string;
let database: DatabaseHandle;
beforeEach(async () => {
  folder = mkdtempSync(join(tmpdir(), 'itinerary-checkpoints-'));
  database = (await prepareDatabase({ path: join(folder, 'itinerary.db'), seed: 'never' })).database;
});
afterEach(async () => {
  await database.close();
  rmSync(folder, { recursive: true, force: true });
});

const sqlite = () => engineOf(database).sqlite;

/**
 * The participants' names in the database file alone, as a copy of it without its log reads them; undefined when
 * the copy was taken while a checkpoint was writing the file (its pages are then from two states, which SQLite
 * calls malformed: only a copy of a file no checkpoint is writing is a snapshot).
 */
function namesInTheFileAlone(): string[] | undefined {
  const copy = join(folder, `copy-${Math.random().toString(36).slice(2)}.db`);
  copyFileSync(join(folder, 'itinerary.db'), copy);
  const reader = new Database(copy, { readonly: true });
  try {
    const migrated = reader.prepare(`select 1 from sqlite_master where name = 'participants'`).get();
    if (!migrated) return [];
    return reader.prepare('select name from participants order by id').pluck().all() as string[];
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') return undefined;
    throw error;
  } finally {
    reader.close();
  }
}

async function writeParticipants(names: string[]): Promise<void> {
  await database.transaction(async () => {
    for (const name of names) {
      sqlite()
        .prepare(
          `insert into participants (kind, name, created_at, updated_at)
           values ('person', ?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`,
        )
        .run(name);
    }
  });
}

describe('checkpoints of the write-ahead log', () => {
  it('copies committed writes into the database file from a connection of its own', async () => {
    expect(sqlite().pragma('journal_mode', { simple: true })).toBe('wal');
    // The server's connection leaves small logs alone: without the worker, the file would not have the rows.
    expect(sqlite().pragma('wal_autocheckpoint', { simple: true })).toBe(SAFETY_NET_PAGES);
    await writeParticipants(['Ann', 'Bo']);
    // Waits for the worker (asked after the commit), however long it takes on a busy machine.
    let names = namesInTheFileAlone();
    for (let tries = 0; tries < 200 && (names?.length ?? 0) < 2; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      names = namesInTheFileAlone();
    }
    expect(names).toEqual(['Ann', 'Bo']);
  });

  it('keeps the log durable and readable while it checkpoints: every commit is there after a reopen', async () => {
    for (let i = 0; i < 20; i += 1) await writeParticipants([`P${i}a`, `P${i}b`]);
    await database.close();
    database = (await prepareDatabase({ path: join(folder, 'itinerary.db'), seed: 'never' })).database;
    const names = sqlite().prepare('select count(*) from participants').pluck().get();
    expect(names).toBe(40);
    expect(sqlite().pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('keeps statement journals in memory', () => {
    // 2 is MEMORY (https://sqlite.org/pragma.html#pragma_temp_store).
    expect(sqlite().pragma('temp_store', { simple: true })).toBe(2);
  });
});
