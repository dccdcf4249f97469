import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/bench/**'],
    // Builds with real gcc and bmake take seconds, not milliseconds.
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // The plist core (C compiled to WebAssembly) the sources load, current with its C.
    globalSetup: ['test/global-setup.ts'],
  },
});
