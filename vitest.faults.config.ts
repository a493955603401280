import { defineConfig } from 'vitest/config';

// The fault suite (`npm run test:faults`): each scenario kills real processes of
// its own Kafka, Redis and processors, on RFM_FAULT_EVENTS order events
// (100,000 by default). Not part of `npm test`; `.ci/run` runs it after the tests.
export default defineConfig({
  test: {
    name: 'faults',
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/faults/support/global-setup.ts'],
    // One scenario at a time: each one times recovery and throughput on two shared cores.
    fileParallelism: false,
    testTimeout: 3_600_000,
    hookTimeout: 3_600_000,
  },
});
