/**
 * biobench's own temporary target: an image file on a real filesystem, filled with data (so
 * reads hit the disk, not holes) and synced, removed when the process ends however it ends.
 */
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomFillSync } from 'node:crypto';
import { UsageError } from '../cli/errors.ts';
import { showSize } from '../options/kinds.ts';

const live = new Set<string>();
let hooked = false;

function removeAll(): void {
  for (const dir of live) rmSync(dir, { recursive: true, force: true });
  live.clear();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', removeAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      removeAll();
      process.kill(process.pid, sig);
    });
  }
}

/** Where temporary images go: $BIOBENCH_TMPDIR, else the OS temp directory. */
export function tempRoot(): string {
  return process.env.BIOBENCH_TMPDIR ?? tmpdir();
}

/**
 * Refuse (UsageError, code `ENOSPC`, naming the size and the directory) an image that does not
 * fit in the space `root`'s filesystem has free for this user (statfs `f_bavail`), so a job never
 * fills a disk and fails halfway through laying its image out. An unreadable `root` is left to
 * the create that follows, which reports it.
 */
export function checkTempImageSpace(root: string, sizeBytes: number): void {
  let free: number;
  try {
    const st = statfsSync(root);
    free = st.bavail * st.bsize;
  } catch {
    return;
  }
  if (free >= sizeBytes) return;
  throw new UsageError(
    `the temporary image needs ${showSize(sizeBytes)} (${sizeBytes} bytes, --offset + --size) but ${root} has only ` +
    `${showSize(free)} (${free} bytes) free (ENOSPC); use a smaller --size or set BIOBENCH_TMPDIR to a directory with more room (nothing was run)`,
    'ENOSPC',
  );
}

/**
 * Create a `sizeBytes` image filled with pseudo-random data under {@link tempRoot}; returns its
 * path. Throws a UsageError (`ENOSPC`) before creating anything when it would not fit.
 */
export function createTempImage(sizeBytes: number): string {
  const root = tempRoot();
  checkTempImageSpace(root, sizeBytes);
  hookExit();
  const dir = mkdtempSync(join(root, 'biobench-'));
  live.add(dir);
  const path = join(dir, 'disk.img');
  const fd = openSync(path, 'w');
  try {
    const chunk = randomFillSync(Buffer.allocUnsafe(Math.min(sizeBytes, 1 << 20)));
    for (let off = 0; off < sizeBytes; off += chunk.length) {
      chunk.writeUInt32LE(off >>> 0, 0); // no two chunks alike
      writeSync(fd, chunk, 0, Math.min(chunk.length, sizeBytes - off), off);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return path;
}

/** Remove an image made by {@link createTempImage} (and its directory); anything else is left alone. */
export function removeTempImage(path: string): void {
  const dir = dirname(path);
  if (!live.has(dir)) return; // only ever delete what this process created
  rmSync(dir, { recursive: true, force: true });
  live.delete(dir);
}

/** Images not yet removed (tests check it returns to empty). */
export function liveTempImages(): string[] {
  return [...live];
}
