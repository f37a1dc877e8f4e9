/**
 * A device test that cannot run skips with its reason on a developer's machine, but fails in CI
 * (`CI=true`), so a CI run can never pass by skipping its device tests. Proven by running the probe
 * as an unprivileged user (setpriv to nobody): loop devices need root.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { probe } from '../src/index.ts';

const root = process.getuid?.() === 0;
const tsx = fileURLToPath(new URL('../../../node_modules/tsx/dist/cli.mjs', import.meta.url));
const script = `import { probe } from ${JSON.stringify(fileURLToPath(new URL('../src/probe.ts', import.meta.url)))};
const r = probe.loop(); console.log(JSON.stringify(r));`;

function probeAsNobody(ci: string | undefined): { status: number | null; stdout: string; stderr: string } {
  // NODE_OPTIONS carries the @biopath/source condition (vitest.config.ts): the child runs from source too.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: '/tmp', NODE_OPTIONS: process.env.NODE_OPTIONS };
  if (ci !== undefined) env.CI = ci;
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, tsx, '--eval', script],
    { env, encoding: 'utf8', cwd: '/tmp', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

it.skipIf(!root)('without root and without CI, the loop probe says why and the tests skip', () => {
  const r = probeAsNobody(undefined);
  expect(r.status, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual({ ok: false, reason: 'loop devices need root (not running as root)' });
  expect(r.stderr).toContain('skipping tests that need loop devices: loop devices need root');
});

it.skipIf(!root)('without root under CI=true, the loop probe fails the test file instead of skipping', () => {
  const r = probeAsNobody('true');
  expect(r.status).not.toBe(0);
  expect(r.stderr).toContain('CI=true but loop devices cannot run here: loop devices need root');
});

it('as root the loop probe passes (the CI machine runs every device test)', () => {
  expect(probe.loop().ok).toBe(root);
});
