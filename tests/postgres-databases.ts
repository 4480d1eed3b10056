import { randomUUID } from 'node:crypto';
import pg from 'pg';

// Databases for the PostgreSQL run of the suite (TEST_DATABASE_URL: a role that may create databases). The global
// setup migrates one template database per run (global-setup.ts); each test app gets a database cloned from it
// (CREATE DATABASE … TEMPLATE: about 0.1 s), dropped when the app closes, so every test starts from an empty,
// migrated database as the SQLite tests start from `:memory:`. All of a run's databases share one prefix, and the
// teardown drops any a crashed worker left.

/** The URL of `database` on the server of TEST_DATABASE_URL (same role, host and options). */
export function databaseUrl(base: string, database: string): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Runs `work` with a connection to the server's maintenance database (that of TEST_DATABASE_URL). */
export async function withAdmin<T>(base: string, work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

/** A new database cloned from `template`, named under the run's `prefix`; answers its name and URL. */
export async function cloneDatabase(base: string, template: string, prefix: string) {
  const name = `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await withAdmin(base, (admin) => admin.query(`create database ${name} template ${template}`));
  return { name, url: databaseUrl(base, name) };
}

/** Drops `name`, closing the connections still open to it. */
export async function dropDatabase(base: string, name: string): Promise<void> {
  await withAdmin(base, (admin) => admin.query(`drop database if exists ${name} with (force)`));
}
