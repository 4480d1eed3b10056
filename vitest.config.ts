import { defineConfig } from 'vitest/config';

// Two projects: the whole suite on SQLite, and, when TEST_DATABASE_URL names a PostgreSQL server, the suite again
// on PostgreSQL (tests/helpers.ts gives each app a database of its own there). A few files test one engine's own
// machinery and run in that engine's project only: SQLITE_ONLY, and PostgreSQL's own files (postgres-*.test.ts).
// Under CI=true a run without TEST_DATABASE_URL stops here: PostgreSQL would go untested.

if (process.env.CI === 'true' && !process.env.TEST_DATABASE_URL) {
  throw new Error(
    'CI=true needs TEST_DATABASE_URL (a PostgreSQL role that may create databases): PostgreSQL would go untested',
  );
}

/** Real processes on one database, run alone (vitest.instances.config.ts: it restarts the server). */
const INSTANCES = ['tests/instances/**'];

/** Files about PostgreSQL's own machinery (its migrations, its change feed under concurrent writers). */
const POSTGRES_ONLY = ['tests/postgres-*.test.ts'];

/** Files about SQLite itself (its file, pragmas, backups, query plans, group commit) or about no engine at all. */
const SQLITE_ONLY = [
  'tests/architecture.test.ts',
  'tests/client-package.test.ts',
  'tests/config.test.ts',
  'tests/database-handle.test.ts',
  'tests/dataset.test.ts',
  'tests/docs-browser.test.ts',
  'tests/group-commit.test.ts',
  'tests/maintenance.test.ts',
  'tests/openapi.test.ts',
  'tests/packaging.test.ts',
  'tests/prepare-database.test.ts',
  'tests/query-plans.test.ts',
  'tests/schema-drift.test.ts',
  'tests/shared-rate-limit.test.ts',
  'tests/sqlite-import-feed.test.ts',
  'tests/sqlite-search-index.test.ts',
  'tests/sqlite-upgrades.test.ts',
  'tests/tzdb.test.ts',
  'tests/viewer-browser.test.ts',
  'tests/viewer.test.ts',
];

/**
 * Files not yet brought to PostgreSQL: none today. A file that looks at the database behind the API through one
 * engine's own calls goes here until it reads through the handle (tests/helpers.ts: sqlRows, sqlExec); the end of
 * the run lists them (global-setup.ts), so that none is left out in silence.
 */
export const POSTGRES_PENDING: string[] = [];

export default defineConfig({
  test: {
    environment: 'node',
    // Each test file builds its own app on its own database, so files can run in parallel.
    pool: 'forks',
    testTimeout: 20_000,
    globalSetup: ['tests/global-setup.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'sqlite', include: ['tests/**/*.test.ts'], exclude: [...POSTGRES_ONLY, ...INSTANCES] },
      },
      ...(process.env.TEST_DATABASE_URL
        ? [
            {
              extends: true as const,
              test: {
                name: 'postgres',
                include: ['tests/**/*.test.ts'],
                exclude: [...SQLITE_ONLY, ...POSTGRES_PENDING, ...INSTANCES],
                env: { ITINERARY_TEST_ENGINE: 'postgres' },
              },
            },
          ]
        : []),
    ],
  },
});
