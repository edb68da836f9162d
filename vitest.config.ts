import { defineConfig } from 'vitest/config';

// Two tiers: unit tests need nothing; workflow tests share one real Temporal dev server (test/support/temporal-global-setup.ts).
export default defineConfig({
  test: {
    pool: 'forks',
    teardownTimeout: 30_000,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        // Headless Chromium (/usr/bin/chromium; .ci/run installs it) checks the HTML reports as a person sees them.
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Opt-in real-cluster tier: skipped unless KUBECONFIG is set; long timeouts for the first model download.
        test: {
          name: 'live',
          include: ['test/live/**/*.test.ts'],
          globalSetup: ['test/support/temporal-global-setup.ts'],
          fileParallelism: false,
          testTimeout: 3_600_000,
          hookTimeout: 600_000,
        },
      },
      {
        test: {
          name: 'workflows',
          include: ['test/workflows/**/*.test.ts'],
          globalSetup: ['test/support/temporal-global-setup.ts'],
          fileParallelism: false,
          testTimeout: 240_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
