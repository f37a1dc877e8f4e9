import { defineConfig } from 'vitest/config';

// One vitest run covers every package; each package is a project (`vitest run --project mm`).
// Test files run in forked processes, so native resources (rings, arenas, loop devices) never share one.
export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts'],
  },
});
