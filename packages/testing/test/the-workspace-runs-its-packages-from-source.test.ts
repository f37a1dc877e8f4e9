/**
 * The workspace runs from source even when dist/ is built: vitest resolves `@biopath/x` to
 * `src/index.ts` (the `@biopath/source` export condition in vitest.project.ts), and so does every
 * Node process a test starts (NODE_OPTIONS from vitest.config.ts). Without the condition, plain
 * Node gets the built `dist/index.js` — what a consumer of the published package gets.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as mmByName from '@biopath/mm';
// The relative path is the point: the same module by file, to compare with the one by name.
// eslint-disable-next-line @nx/enforce-module-boundaries
import * as mmSource from '../../mm/src/index.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));

function resolveInChild(env: NodeJS.ProcessEnv): string {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', "console.log(import.meta.resolve('@biopath/mm'))"],
    { cwd: root, env, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim();
}

describe('package resolution in the workspace', () => {
  it('vitest loads @biopath/mm from its sources: the same module as src/index.ts', () => {
    expect(mmByName.createMemMap).toBe(mmSource.createMemMap);
  });

  it('a Node process a test starts resolves @biopath/mm to src/index.ts', () => {
    expect(resolveInChild(process.env)).toMatch(/\/packages\/mm\/src\/index\.ts$/);
  });

  it('plain Node, without the condition, resolves @biopath/mm to dist/index.js', () => {
    const env = { ...process.env, NODE_OPTIONS: (process.env.NODE_OPTIONS ?? '').replace(/--conditions=@biopath\/source/g, '') };
    expect(resolveInChild(env)).toMatch(/\/packages\/mm\/dist\/index\.js$/);
  });
});
