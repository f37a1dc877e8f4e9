import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

/** The shared setup: fixed fast-check seed and the leak gates around every test of every file. */
const setup = fileURLToPath(new URL('./packages/testing/src/setup.ts', import.meta.url));

/** One package's vitest project: its tests under src/ and test/, with the shared setup. */
export function biopathProject(name: string, include = ['src/**/*.test.ts', 'test/**/*.test.ts']) {
  return defineProject({ test: { name, testTimeout: 60_000, hookTimeout: 60_000, include, setupFiles: [setup] } });
}
