import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type pg from 'pg';
import { ADVISORY_LOCK } from './advisory-locks.js';
import type { Db } from './client.js';

/** The engines with migrations of their own: migrations/sqlite and migrations/postgres. */
export type Engine = 'sqlite' | 'postgres';

/**
 * The committed migrations of an engine, at the repository root. This module runs from src/db (tsx, tests), from
 * dist/bundle (the production bundle) or from dist/src/db (tsc's build), so look two and three folders up. Throws when neither holds them.
 */
export function migrationsFolder(engine: Engine = 'sqlite'): string {
  const candidates = [`../../migrations/${engine}`, `../../../migrations/${engine}`].map((rel) =>
    fileURLToPath(new URL(rel, import.meta.url)),
  );
  const found = candidates.find((dir) => existsSync(`${dir}/meta/_journal.json`));
  if (!found) throw new Error(`migrations folder not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** Applies SQLite's pending migrations (one connection: nothing else can run them at the same time). */
export function runMigrations(db: Db): void {
  migrate(db, { migrationsFolder: migrationsFolder('sqlite') });
}

const MIGRATION_LOCK = ADVISORY_LOCK.migrations;

/**
 * Applies PostgreSQL's pending migrations under a session advisory lock, so that several instances starting
 * together migrate once: the first takes the lock and migrates, the others wait for it, then find nothing to do.
 * Rejects with the server's error (the lock is released with the connection either way).
 */
export async function runPostgresMigrations(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      // Loaded on PostgreSQL only (see prepareDatabase).
      const [{ drizzle }, { migrate: migratePostgres }] = await Promise.all([
        import('drizzle-orm/node-postgres'),
        import('drizzle-orm/node-postgres/migrator'),
      ]);
      await migratePostgres(drizzle(client), { migrationsFolder: migrationsFolder('postgres') });
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } catch (error) {
    broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.release(broken);
  }
}
