/**
 * Loop devices and image files for tests. Everything a helper creates it removes, by its own
 * name, in a `finally`: never `losetup -D`, never a device the test did not attach.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, openSync, closeSync, ftruncateSync, readSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomFillSync } from 'node:crypto';

const attached = new Set<string>();
const images = new Set<string>();

/** Loop devices attached by this process and not yet detached. */
export function attachedLoopDevices(): string[] {
  return [...attached];
}

/** Image files created by this process and not yet removed. */
export function liveImages(): string[] {
  return [...images];
}

export interface ImageOptions {
  /** Fill with pseudo-random bytes (default) or leave sparse zeroes. */
  fill?: 'random' | 'zero';
}

/**
 * Create an image file of `sizeBytes` on a real filesystem (not tmpfs, so O_DIRECT means
 * something), filled with random data by default. Returns its path; remove with {@link removeImage}.
 */
export function createImage(sizeBytes: number, opts: ImageOptions = {}): string {
  const dir = mkdtempSync(join(process.env.BIOPATH_TEST_DIR ?? tmpdir(), 'biopath-img-'));
  const path = join(dir, 'disk.img');
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, sizeBytes);
    if ((opts.fill ?? 'random') === 'random') {
      const chunk = Buffer.allocUnsafe(Math.min(sizeBytes, 1 << 20));
      for (let off = 0; off < sizeBytes; off += chunk.length) {
        randomFillSync(chunk);
        writeSync(fd, chunk, 0, Math.min(chunk.length, sizeBytes - off), off);
      }
    }
  } finally {
    closeSync(fd);
  }
  images.add(path);
  return path;
}

export function removeImage(path: string): void {
  rmSync(join(path, '..'), { recursive: true, force: true });
  images.delete(path);
}

/** Attach `image` with direct IO on; returns `/dev/loopN`. Detach with {@link detachLoop}. */
export function attachLoop(image: string, opts: { sectorSize?: number } = {}): string {
  const args = ['--direct-io=on', '-f', '--show'];
  if (opts.sectorSize) args.push('--sector-size', String(opts.sectorSize));
  const dev = execFileSync('losetup', [...args, image], { encoding: 'utf8' }).trim();
  attached.add(dev);
  return dev;
}

/** Detach one loop device by name (the one this process attached). */
export function detachLoop(dev: string): void {
  execFileSync('losetup', ['-d', dev], { stdio: 'ignore' });
  attached.delete(dev);
}

/**
 * Run `fn` with a fresh loop device over a new random-filled image of `sizeBytes`; the device is
 * detached and the image removed afterwards, whatever `fn` does.
 */
export async function withLoopDevice<T>(
  sizeBytes: number,
  fn: (dev: string, image: string) => T | Promise<T>,
  opts: ImageOptions & { sectorSize?: number } = {},
): Promise<T> {
  const image = createImage(sizeBytes, opts);
  let dev = '';
  try {
    dev = attachLoop(image, opts);
    return await fn(dev, image);
  } finally {
    if (dev) detachLoop(dev);
    removeImage(image);
  }
}

/** Read `len` bytes at `pos` of an image file with plain buffered IO: an independent witness of what a device holds. */
export function readImage(image: string, pos: number, len: number): Buffer {
  const fd = openSync(image, 'r');
  try {
    const b = Buffer.alloc(len);
    readSync(fd, b, 0, len, pos);
    return b;
  } finally {
    closeSync(fd);
  }
}
