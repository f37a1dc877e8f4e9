/**
 * What a consumer gets from npm: every publishable package is packed (`npm pack`), installed from
 * the tarballs into a fresh project outside the repository (no workspace links, no tsx, no
 * TypeScript loader), and used from plain `node` and from `tsc --strict`:
 *
 * - every package imports under plain Node, from its built `dist/index.js`;
 * - `@biopath/blockdev` round-trips 1 MiB in scattered 4 KiB pieces through an image file, by
 *   direct IO with strategy 'pin' and through the page cache, with every pin released
 *   (fixtures/consumer/blockdev-round-trip.mjs);
 * - a TypeScript consumer type-checks with `tsc --strict --noEmit` against the installed `.d.ts`
 *   (fixtures/consumer/consumer.ts);
 * - each package README's opening example compiles (`--strict`) and runs;
 * - without the platform package, importing `@biopath/native` fails with an error naming
 *   `@biopath/native-linux-x64-gnu`.
 *
 * Needs the native addon built (`npm run build:native`); builds dist/ itself (`tsc -b`, a no-op
 * when `npm run build` already ran). Registry access: only `typescript` and `@types/node` for the
 * TS consumer, taken from npm's cache when present (--prefer-offline).
 */
import { spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readmeExample } from './readme-example.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/consumer/', import.meta.url));
const PLATFORM = '@biopath/native-linux-x64-gnu';
const BLOCKDEV_RECIPE = 'docs/ARCHITECTURE.md#adding-a-package';

interface Pkg { name: string; dir: string; version: string; private?: boolean; dependencies?: Record<string, string> }

/** Workspace packages npm would publish: every package.json under the workspace globs without `private`. */
function publishable(): Pkg[] {
  const dirs = [
    ...readdirSync(join(root, 'packages')).map((d) => join('packages', d)),
    ...readdirSync(join(root, 'packages/native/npm')).map((d) => join('packages/native/npm', d)),
  ];
  return dirs
    .filter((d) => existsSync(join(root, d, 'package.json')))
    .map((d) => ({ ...(JSON.parse(readFileSync(join(root, d, 'package.json'), 'utf8')) as Pkg), dir: d }))
    .filter((p) => p.private !== true);
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  // Plain Node: no export condition from the workspace (vitest.config.ts sets one in NODE_OPTIONS).
  const nodeOptions = (process.env.NODE_OPTIONS ?? '').replace(/--conditions=@biopath\/source/g, '').trim();
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: nodeOptions, ...env }, maxBuffer: 64 << 20 });
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const pkgs = publishable();
const libraries = pkgs.filter((p) => p.name !== PLATFORM && p.name !== '@biopath/testing');
let work = '';
let app = '';

beforeAll(() => {
  const addon = join(root, 'packages/native/npm/linux-x64-gnu/biopath-native.linux-x64-gnu.node');
  if (!existsSync(addon)) throw new Error(`${addon} is missing: run \`npm run build:native\` first`);
  ok(run('npx', ['tsc', '-b', 'tsconfig.build.json'], root), 'tsc -b tsconfig.build.json (the build)');
  work = mkdtempSync(join(tmpdir(), 'biopath-consumer-'));
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  const packed = JSON.parse(ok(run('npm', ['pack', '--json', '--pack-destination', tarballs, ...pkgs.flatMap((p) => ['-w', p.dir])], root), 'npm pack')) as
    { name: string; filename: string }[];
  const tgz = new Map(packed.map((p) => [p.name, join(tarballs, p.filename.replace(/^@/, '').replace('/', '-'))]));
  for (const [name, file] of tgz) if (!existsSync(file)) throw new Error(`npm pack: no tarball for ${name} at ${file}`);

  app = join(work, 'app');
  mkdirSync(app);
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
  writeFileSync(join(app, 'package.json'), JSON.stringify({
    name: 'biopath-consumer', private: true, type: 'module',
    dependencies: Object.fromEntries([...tgz].map(([name, file]) => [name, `file:${file}`])),
    devDependencies: { typescript: lock.packages['node_modules/typescript']!.version, '@types/node': lock.packages['node_modules/@types/node']!.version },
  }, null, 2));
  ok(run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', '--install-links'], app), 'npm install (the tarballs)');
  for (const f of readdirSync(fixtures)) copyFileSync(join(fixtures, f), join(app, f));
}, 600_000);

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

describe('the packed packages in a fresh project', () => {
  it('installs real copies, not links into the repository', () => {
    for (const p of pkgs) {
      const dir = join(app, 'node_modules', p.name);
      expect(existsSync(join(dir, 'package.json')), p.name).toBe(true);
      expect(fileURLToPath(new URL(`file://${dir}`))).not.toContain(root);
    }
    expect(existsSync(join(app, 'node_modules/@biopath/native/biopath-native.linux-x64-gnu.node'))).toBe(false);
    expect(existsSync(join(app, 'node_modules', PLATFORM, 'biopath-native.linux-x64-gnu.node'))).toBe(true);
    expect(existsSync(join(app, 'node_modules/tsx')), 'no TypeScript loader is installed').toBe(false);
  });

  it('every package imports under plain node, from dist/index.js', () => {
    const names = libraries.map((p) => p.name);
    const seen = JSON.parse(ok(run(process.execPath, ['imports-every-package.mjs', JSON.stringify(names)], app), 'node imports-every-package.mjs')) as
      Record<string, { exports: number; url: string }>;
    for (const n of names) {
      expect(seen[n]!.exports, n).toBeGreaterThan(0);
      expect(seen[n]!.url, n).toMatch(new RegExp(`/app/node_modules/${n}/dist/index\\.js$`));
    }
  });

  it('@biopath/blockdev round-trips 1 MiB of scattered 4 KiB pieces, direct with pin and through the page cache, every pin released', () => {
    if (!pkgs.some((p) => p.name === '@biopath/blockdev')) {
      throw new Error(`@biopath/blockdev is not among the publishable packages (${pkgs.map((p) => p.name).join(', ')}): ` +
        `packages/blockdev must exist and join the build as ${BLOCKDEV_RECIPE} says`);
    }
    const r = JSON.parse(ok(run(process.execPath, ['blockdev-round-trip.mjs'], app), 'node blockdev-round-trip.mjs').trim().split('\n').at(-1)!) as
      Record<'direct' | 'cached', { pinsAcquired: number; pinsReleased: number; bytesWritten: number }>;
    expect(r.direct.pinsAcquired).toBeGreaterThan(0);
    expect(r.direct.pinsAcquired).toBe(r.direct.pinsReleased);
    expect(r.cached.pinsAcquired).toBe(r.cached.pinsReleased);
    expect(r.direct.bytesWritten).toBe(1 << 20);
  });

  it('a TypeScript consumer type-checks with tsc --strict --noEmit against the installed .d.ts', () => {
    if (!pkgs.some((p) => p.name === '@biopath/blockdev')) {
      throw new Error(`consumer.ts uses @biopath/blockdev, which is not packed yet: see ${BLOCKDEV_RECIPE}`);
    }
    ok(run(join(app, 'node_modules/.bin/tsc'), ['--strict', '--noEmit', '--module', 'nodenext', '--target', 'es2023', '--types', 'node', 'consumer.ts'], app),
      'tsc --strict --noEmit consumer.ts');
  });

  const withReadme = [...libraries, ...pkgs.filter((p) => p.name === '@biopath/testing')].map((p) => [p.name, p.dir] as const);
  const base = (name: string): string => `readme-${name.replace('@biopath/', '')}`;

  it('every package README opens with an example, and they all compile with tsc --strict', () => {
    mkdirSync(join(app, 'readme'), { recursive: true });
    const files = withReadme.map(([name, dir]) => {
      const example = readmeExample(join(root, dir, 'README.md'));
      const file = `readme/${base(name)}.${example.lang === 'js' ? 'mjs' : 'mts'}`;
      writeFileSync(join(app, file), example.code);
      return file;
    });
    ok(run(join(app, 'node_modules/.bin/tsc'), ['--strict', '--module', 'nodenext', '--target', 'es2023', '--types', 'node', '--allowJs', '--checkJs',
      '--outDir', 'readme-out', ...files], app), 'tsc --strict on the README examples');
  });

  it.each(withReadme)('the README example of %s runs under plain node', (name, dir) => {
    ok(run(process.execPath, [`readme-out/${base(name)}.mjs`], app), `node: ${dir}/README.md's example`);
  });

  it(`without ${PLATFORM}, importing @biopath/native fails with an error naming it`, () => {
    const dir = join(app, 'node_modules', PLATFORM);
    renameSync(dir, `${dir}.away`);
    try {
      const r = run(process.execPath, ['--input-type=module', '-e', "await import('@biopath/native')"], app);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain(`install the platform package ${PLATFORM}`);
      expect(r.stderr).toContain('ENOENT');
    } finally {
      renameSync(`${dir}.away`, dir);
    }
  });
});
