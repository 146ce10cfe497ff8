import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Tests spawn real processes and bind real ports later on; two workers fit the 2-core CI box.
    maxWorkers: 2,
  },
});
