import { configDefaults, defineConfig } from 'vitest/config';

// The chaos harness's CI run is an e2e test too: real node processes, run alone after the rest.
const e2eTests = ['test/e2e/**/*.e2e.test.ts', 'test/chaos/**/*.e2e.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Tests spawn real processes and bind real ports later on; two workers fit the 2-core CI box.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...e2eTests], sequence: { groupOrder: 0 } },
      },
      {
        // The e2e tests run 3-node clusters of real processes and time a failover against a bound:
        // they run after the other tests, on their own, so neither slows the other down.
        extends: true,
        test: {
          name: 'e2e',
          include: e2eTests,
          // Builds dist/ once per run for the e2e tests, which start real node processes from it.
          globalSetup: ['test/e2e/global-setup.ts'],
          // One e2e file at a time: two clusters at once would skew cluster.e2e's failover bound.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
