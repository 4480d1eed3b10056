import { existsSync } from 'node:fs';
import type Database from 'better-sqlite3';

// SQLite-only maintenance, behind one seam: online backups and integrity checks. A PostgreSQL deployment would
// use its own tools (pg_dump, amcheck) in place of this file.

export type IntegrityReport = { ok: boolean; integrity: string[]; foreignKeys: string[] };

/** `PRAGMA integrity_check` and `PRAGMA foreign_key_check`: ok when the first says "ok" and the second is empty. */
export function checkIntegrity(sqlite: Database.Database): IntegrityReport {
  const integrity = (sqlite.pragma('integrity_check') as { integrity_check: string }[]).map(
    (r) => r.integrity_check,
  );
  const foreignKeys = (
    sqlite.pragma('foreign_key_check') as { table: string; rowid: number; parent: string; fkid: number }[]
  ).map((r) => `${r.table} row ${r.rowid} refers to a missing ${r.parent}`);
  return {
    ok: integrity.length === 1 && integrity[0] === 'ok' && foreignKeys.length === 0,
    integrity,
    foreignKeys,
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
