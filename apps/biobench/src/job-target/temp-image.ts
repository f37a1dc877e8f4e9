/**
 * biobench's own temporary target: an image file on a real filesystem, filled with data (so
 * reads hit the disk, not holes) and synced, removed when the process ends however it ends.
 */
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomFillSync } from 'node:crypto';

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

/** Create a `sizeBytes` image filled with pseudo-random data; returns its path. */
export function createTempImage(sizeBytes: number): string {
  hookExit();
  const dir = mkdtempSync(join(tempRoot(), 'biobench-'));
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
