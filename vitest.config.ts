import { defineConfig } from 'vitest/config';

// Every test file runs zod as the functions do (functions/zod-jitless.ts), before it builds a schema.
const setupFiles = ['functions/zod-jitless.ts'];

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], setupFiles } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          setupFiles,
          testTimeout: 60_000,
          hookTimeout: 90_000,
        },
      },
      { test: { name: 'infra', include: ['test/infra/**/*.test.ts'], setupFiles, testTimeout: 180_000, hookTimeout: 180_000 } },
    ],
  },
});
