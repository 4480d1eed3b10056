// Said at the end of every run: the PostgreSQL tests run only when TEST_DATABASE_URL names a server (`.ci/run` sets
// it up, and under CI=true they fail without it), so a run without it says so plainly rather than pass in silence.
export function teardown(): void {
  if (process.env.TEST_DATABASE_URL) return;
  console.log(
    '\nPostgreSQL was not tested: set TEST_DATABASE_URL (postgres://user:password@host:port/database, a role that may create databases) to run its tests too.',
  );
}
