/**
 * A real filesystem on the export: nbdfuse turns it into a file, losetup into /dev/loopN,
 * mkfs.ext4 formats it, files are written through a mount,
 * `fsck.ext4 -fn` finds it clean, and after the server is stopped and started again the files read
 * back with the same checksums. Everything this test starts it ends by pid or name: its own loop
 * device, its own mounts, its own nbdfuse.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createImage, removeImage, probe } from '@biopath/testing';
import { spawnServer, stopCleanly, uri, type Child } from './helpers.ts';

const tools = ['nbdfuse', 'mkfs.ext4', 'fsck.ext4', 'mount', 'umount'].map((t) => probe.command(t));
const loop = probe.loop();
/** /dev/fuse, enforced like the probes: missing skips (with the reason) locally, fails under CI=true. */
const fuse = ((): { ok: boolean } => {
  if (existsSync('/dev/fuse')) return { ok: true };
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error('CI=true but /dev/fuse is missing: nbdfuse cannot mount');
  console.warn('[biopath] skipping the nbdfuse test: /dev/fuse is missing');
  return { ok: false };
})();
const SIZE = 64 << 20;

/** nbdfuse in the foreground, exposing the export as `dir/nbd`; resolves once the file is there. */
async function startNbdfuse(dir: string, socket: string, readOnly: boolean): Promise<{ proc: ChildProcess; file: string; stop(): Promise<void> }> {
  const file = join(dir, 'nbd');
  const proc = spawn('nbdfuse', [...(readOnly ? ['-r'] : []), dir, uri(socket)], { stdio: ['ignore', 'ignore', 'pipe'] });
  const err: string[] = [];
  proc.stderr!.on('data', (b) => err.push(String(b)));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  for (let i = 0; !existsSync(file); i++) {
    if (proc.exitCode !== null || i > 600) {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      throw new Error(`nbdfuse did not mount ${dir}: ${err.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    proc, file,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM'); // by pid; nbdfuse unmounts on SIGTERM
      await exited;
      if (isMounted(dir)) execFileSync('umount', [dir]);
    },
  };
}

function isMounted(dir: string): boolean {
  return readFileSync('/proc/self/mounts', 'utf8').split('\n').some((l) => l.split(' ')[1] === dir);
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/**
 * With the export as /dev/loopN mounted at `mnt`: run `fn`, unmount, run `unmounted(dev)`; the
 * mount, the loop device and nbdfuse are undone whatever happens.
 */
async function withMountedExport<T>(
  socket: string, work: string, opts: { readOnly: boolean; mkfs: boolean }, fn: (mnt: string) => T, unmounted?: (dev: string) => void,
): Promise<T> {
  const fdir = join(work, 'fuse');
  const mnt = join(work, 'mnt');
  mkdirSync(fdir, { recursive: true });
  mkdirSync(mnt, { recursive: true });
  const nf = await startNbdfuse(fdir, socket, opts.readOnly);
  let dev = '';
  let mounted = false;
  try {
    dev = execFileSync('losetup', ['-f', '--show', ...(opts.readOnly ? ['-r'] : []), nf.file], { encoding: 'utf8' }).trim();
    if (opts.mkfs) execFileSync('mkfs.ext4', ['-q', '-F', dev], { stdio: 'pipe' });
    execFileSync('mount', ['-t', 'ext4', ...(opts.readOnly ? ['-o', 'ro,noload'] : []), dev, mnt]);
    mounted = true;
    const out = fn(mnt);
    execFileSync('umount', [mnt]);
    mounted = false;
    unmounted?.(dev);
    return out;
  } finally {
    if (mounted) execFileSync('umount', [mnt]);
    if (dev) execFileSync('losetup', ['-d', dev]);
    await nf.stop();
  }
}

describe.skipIf(tools.some((t) => !t.ok) || !loop.ok || !fuse.ok)('ext4 on nbdfuse + losetup', () => {
  it('mkfs, mount, write files, fsck clean, same checksums after a server restart', async () => {
    const image = createImage(SIZE, { fill: 'zero' });
    const work = join(image, '..');
    const socket = join(work, 'nbd.sock');
    const args = ['--unix', socket, '--export', `disk=${image}`];
    const files = new Map<string, string>();
    let child: Child | null = await spawnServer(args);
    try {
      await withMountedExport(socket, work, { readOnly: false, mkfs: true }, (mnt) => {
        mkdirSync(join(mnt, 'a', 'b'), { recursive: true });
        for (const [name, size] of [['one.bin', 1 << 20], ['a/two.bin', 3 << 20], ['a/b/three.bin', 12345], ['a/b/four.txt', 17]] as const) {
          writeFileSync(join(mnt, name), randomBytes(size));
          files.set(name, sha256(join(mnt, name)));
        }
        execFileSync('sync', ['-f', mnt]);
      }, (dev) => {
        execFileSync('fsck.ext4', ['-fn', dev], { stdio: 'pipe' }); // exit 0: clean, nothing to fix
      });
      await stopCleanly(child);
      child = null;

      child = await spawnServer(args);
      const seen = await withMountedExport(socket, work, { readOnly: true, mkfs: false }, (mnt) =>
        new Map([...files.keys()].map((name) => [name, sha256(join(mnt, name))])));
      expect(seen).toEqual(files);
      await stopCleanly(child);
      child = null;
    } finally {
      if (child) await child.stop();
      removeImage(image);
    }
  }, 180_000);
});
