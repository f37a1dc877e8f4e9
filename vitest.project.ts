import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

/** The shared setup: fixed fast-check seed and the leak gates around every test of every file. */
const setup = fileURLToPath(new URL('./packages/testing/src/setup.ts', import.meta.url));

/**
 * Export conditions the tests resolve packages with: `@biopath/source` first, so `@biopath/x` is
 * its `src/index.ts`, never a stale `dist/`; then vite's defaults for Node (`module`, `node`,
 * `development|production`), which a `conditions` list replaces rather than extends.
 */
const conditions = ['@biopath/source', 'module', 'node', 'development|production'];

/** One package's vitest project: its tests under src/ and test/, with the shared setup. */
export function biopathProject(name: string, include = ['src/**/*.test.ts', 'test/**/*.test.ts']) {
  return defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions } },
    test: { name, testTimeout: 60_000, hookTimeout: 60_000, include, setupFiles: [setup] },
  });
}
