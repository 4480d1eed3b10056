import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    // Each test file builds its own app on its own in-memory database, so files can run in parallel.
    pool: 'forks',
    testTimeout: 20_000,
    globalSetup: ['tests/global-setup.ts'],
  },
});
