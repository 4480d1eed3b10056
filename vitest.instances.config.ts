import { defineConfig } from 'vitest/config';

// The multi-instance test (tests/instances): real API processes on one PostgreSQL database and one Redis, run
// alone by `npm run test:instances` (a step of .ci/run), since it restarts the PostgreSQL server.
export default defineConfig({
  test: {
    include: ['tests/instances/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
