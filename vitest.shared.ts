// Shared vitest settings: every package writes a JSON report that the CI totals line sums.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    testTimeout: 120_000,
    hookTimeout: 600_000,
    pool: 'forks',
  },
});
