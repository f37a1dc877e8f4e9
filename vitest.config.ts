import { defineConfig } from 'vitest/config';

// Tests run from source: vite resolves the @biopath/* packages through the "@biopath/source" export
// condition (their src/index.ts), and so does every Node process or worker a test starts (tsx
// children, worker threads), through NODE_OPTIONS, which the forked test processes and everything
// they spawn inherit. Without the condition, `@biopath/x` is its built dist/ (plain Node, consumers).
const SOURCE_CONDITION = '@biopath/source';
if (!(process.env.NODE_OPTIONS ?? '').includes(`--conditions=${SOURCE_CONDITION}`)) {
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --conditions=${SOURCE_CONDITION}`.trim();
}

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
