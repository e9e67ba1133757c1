import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // forks, not threads: NODE_EXTRA_CA_CERTS (set in globalSetup for the simulator's
    // certificate) is only read by a process at start-up.
    pool: 'forks',
    include: [
      'packages/*/src/**/*.test.ts',
      'services/*/src/**/*.test.ts',
      'services/*/test/**/*.test.ts',
      'tests/**/*.test.ts',
    ],
    globalSetup: ['tests/setup/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', './tests/setup/summary-reporter.ts'],
  },
});
