import { defineConfig } from 'vitest/config';

/** The test set-up of every package: tests in `test/`, benchmarks in `bench/`, generous timeouts for real servers. */
export function packageTests(overrides: { testTimeout?: number; hookTimeout?: number } = {}) {
  return defineConfig({
    test: {
      include: ['test/**/*.test.ts'],
      testTimeout: overrides.testTimeout ?? 30_000,
      hookTimeout: overrides.hookTimeout ?? 60_000,
      benchmark: { include: ['bench/**/*.bench.ts'] },
    },
  });
}
