import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{sfu-server,signaling,web-client}/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/*.int.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: [
            '{sfu-server,signaling}/**/*.int.test.ts',
            'tests/integration/**/*.int.test.ts',
          ],
          exclude: ['**/node_modules/**'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.e2e.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Browsers and the server share two cores; one file at a time keeps timings honest.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'bench',
          // Every benchmark of `npm run bench` at smoke size; it asserts no speed.
          include: ['tests/bench/**/*.int.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
