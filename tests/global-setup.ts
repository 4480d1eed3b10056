import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { runPostgresMigrations } from '../src/db/migrate.js';
import { POSTGRES_PENDING } from '../vitest.config.js';
import { databaseUrl, dropDatabase, withAdmin } from './postgres-databases.js';

// Run once per project of the suite (vitest.config.ts). The PostgreSQL project (TEST_DATABASE_URL) runs on
// databases cloned from a template that is migrated here once per run (tests/postgres-databases.ts); its teardown
// drops the template and whatever clones are left, and lists the files not yet run on PostgreSQL. Without
// TEST_DATABASE_URL, the SQLite project's teardown says plainly that PostgreSQL was not tested (`.ci/run` sets it
// up, and under CI=true the PostgreSQL tests fail without it).

declare module 'vitest' {
  export interface ProvidedContext {
    /** The migrated template database of this run, and the prefix of its clones (empty without PostgreSQL). */
    postgres: { template: string; prefix: string };
  }
}

const base = process.env.TEST_DATABASE_URL;

export async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The itinerary viewer that the app serves at / (src/plugins/viewer.ts), built by Vite when its sources changed
  // (scripts/build-viewer.mjs; about a second, nothing when it is fresh). Once, by the SQLite project, which runs the
  // viewer's own tests; the app of every test reads the build as it starts.
  if (project.name === 'sqlite') {
    execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/build-viewer.mjs', import.meta.url))], {
      stdio: 'inherit',
    });
  }
  if (project.name !== 'postgres' || !base) {
    project.provide('postgres', { template: '', prefix: '' });
    return async () => {
      if (!base && project.name === 'sqlite') {
        console.log(
          '\nPostgreSQL was not tested: set TEST_DATABASE_URL (postgres://user:password@host:port/database, a role that may create databases) to run its tests too.',
        );
      }
    };
  }
  const server = base;
  const prefix = `itinerary_test_${process.pid}`;
  const template = `${prefix}_template`;
  await withAdmin(server, async (admin) => {
    await admin.query(`drop database if exists ${template} with (force)`);
    await admin.query(`create database ${template}`);
  });
  const pool = new pg.Pool({ connectionString: databaseUrl(server, template), max: 1 });
  try {
    await runPostgresMigrations(pool);
  } finally {
    // A template may have no open connection while it is cloned.
    await pool.end();
  }
  project.provide('postgres', { template, prefix });
  return async () => {
    console.log(
      POSTGRES_PENDING.length === 0
        ? '\nPostgreSQL was tested: every test file but those about SQLite itself ran on it too.'
        : `\nNot yet run on PostgreSQL (vitest.config.ts, POSTGRES_PENDING): ${POSTGRES_PENDING.join(', ')}`,
    );
    const { rows } = await withAdmin(server, (admin) =>
      admin.query<{ datname: string }>('select datname from pg_database where datname like $1', [
        `${prefix}%`,
      ]),
    );
    for (const { datname } of rows) await dropDatabase(server, datname);
  };
}
