import { existsSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { Database as Driver } from './driver.js';

// SQLite-only maintenance, behind one seam: online backups and integrity checks. A PostgreSQL deployment would
// use its own tools (pg_dump, amcheck) in place of this file.

export type IntegrityReport = { ok: boolean; integrity: string[]; foreignKeys: string[]; text: string[] };

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Every text value of every table that is not UTF-8, as `table row N: column is not valid UTF-8`. SQLite stores
 * what it is given: a string holding half a character (a lone UTF-16 surrogate) reaches it as bytes such as
 * ED A0 BC, which other tools cannot read, and which neither integrity_check nor foreign_key_check notices. The
 * API refuses such text; this finds what came in another way. Reads every text value once (a full pass, as
 * integrity_check is). The search index's own tables are left out: they copy the tables checked here.
 */
export function checkText(sqlite: Database.Database): string[] {
  const faults: string[] = [];
  const tables = sqlite
    .prepare(
      `select name from pragma_table_list where schema = 'main' and type = 'table' and wr = 0
         and name not like 'sqlite\\_%' escape '\\' and name not like 'search\\_index%' escape '\\'
         and name not like '\\_\\_drizzle%' escape '\\'
       order by name`,
    )
    .pluck()
    .all() as string[];
  for (const table of tables) {
    const columns = sqlite.prepare('select name from pragma_table_info(?)').pluck().all(table) as string[];
    for (const column of columns) {
      const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;
      const rows = sqlite
        .prepare(
          `select rowid as id, cast(${quoted(column)} as blob) as bytes from ${quoted(table)}
           where typeof(${quoted(column)}) = 'text'`,
        )
        .iterate() as Iterable<{ id: number; bytes: Buffer }>;
      for (const { id, bytes } of rows) {
        try {
          UTF8.decode(bytes);
        } catch {
          faults.push(`${table} row ${id}: ${column} is not valid UTF-8`);
        }
      }
    }
  }
  return faults;
}

/**
 * `PRAGMA integrity_check`, `PRAGMA foreign_key_check` and checkText: ok when the first says "ok" and the others
 * find nothing.
 */
export function checkIntegrity(sqlite: Database.Database): IntegrityReport {
  const integrity = (sqlite.pragma('integrity_check') as { integrity_check: string }[]).map(
    (r) => r.integrity_check,
  );
  const foreignKeys = (
    sqlite.pragma('foreign_key_check') as { table: string; rowid: number; parent: string; fkid: number }[]
  ).map((r) => `${r.table} row ${r.rowid} refers to a missing ${r.parent}`);
  const text = checkText(sqlite);
  return {
    ok: integrity.length === 1 && integrity[0] === 'ok' && foreignKeys.length === 0 && text.length === 0,
    integrity,
    foreignKeys,
    text,
  };
}

/**
 * A consistent copy of the live database, taken with SQLite's online backup API while other connections (the
 * running server) keep reading and writing. Refuses to overwrite an existing file.
 */
export async function backupTo(sqlite: Database.Database, target: string): Promise<{ pages: number }> {
  if (existsSync(target)) throw new Error(`${target} already exists; choose a new file name`);
  const result = await sqlite.backup(target);
  return { pages: result.totalPages };
}

/** checkIntegrity of the database file at `path`, opened read-only (a backup just written, say) and closed again. */
export function checkIntegrityOfFile(path: string): IntegrityReport {
  const sqlite = new Driver(path, { readonly: true });
  try {
    return checkIntegrity(sqlite);
  } finally {
    sqlite.close();
  }
}
